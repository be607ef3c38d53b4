// natural's package types cover only its index, and requiring the index loads storage back-ends and prints
// dotenv banners; these are the submodules we import instead.
declare module 'natural/lib/natural/stemmers/porter_stemmer' {
  const stemmer: { stem(token: string): string };
  export = stemmer;
}
declare module 'natural/lib/natural/stemmers/porter_stemmer_sv' {
  const stemmer: { stem(token: string): string };
  export = stemmer;
}
