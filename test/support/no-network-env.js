// Google clients must never probe the cloud metadata server from a test.
process.env.METADATA_SERVER_DETECTION = 'none';
process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'silent';
