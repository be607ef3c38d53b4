import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { describeStoresContract } from '../contracts/stores.contract';

describeStoresContract('memory', (clock) => createMemoryStores({ clock }), { ttlFollowsClock: true, fifoLock: true });
