package huntingapi

// DecodeResponse lets the benchmarks of package huntingapi_test, which also need package rowconv
// (itself importing this package), drive the decoder over a body without HTTP.
var DecodeResponse = decodeResponse
