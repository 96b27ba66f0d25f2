// A second build of the emulator's kernels with the portable lane operations forced, under the
// names hm2bp_portable_* (declared in CKernels' ckernels.h). It lets one binary on an AVX-512
// machine run both implementations, so the tests hold them bit-equal and `HM2BP_KERNELS=portable`
// runs the whole suite on the path an x86-64 without AVX-512 or an arm64 machine builds
// (docs/emulator.md, "Two kernel builds"). Self-contained: it needs no include path.
#define HM2BP_PORTABLE_KERNELS 1
#define HM2BP_KERNEL(name) hm2bp_portable_##name
#include "../CKernels/fast_step.c"
