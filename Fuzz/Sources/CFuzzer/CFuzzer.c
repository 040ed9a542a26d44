// The declaration in include/CFuzzer.h is all this target provides; libFuzzer itself comes from
// the toolchain (-sanitize=fuzzer). SwiftPM wants one source file per C target.
#include "CFuzzer.h"
