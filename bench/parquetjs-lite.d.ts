// parquetjs-lite ships no types; the benchmark only needs its writer API.
declare module 'parquetjs-lite';
