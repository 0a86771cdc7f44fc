// A valid shared library that is not a Modalis plugin: it exports a function but no entry point.
// The host must refuse it before opening it, from its symbol table alone.
extern "C" __attribute__((visibility("default"))) int modalis_test_not_a_plugin() { return 42; }
