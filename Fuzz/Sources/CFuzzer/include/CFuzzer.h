#pragma once
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's documented entry for programs that have their own main (LLVM 11 and later): it
/// reads the usual libFuzzer flags from argc/argv and calls `callback` with each input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
