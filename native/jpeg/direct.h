/*
 * JD_DIRECT(method, target, args): a call of a libjpeg method pointer, made as a direct call of
 * `target` when the pointer holds it (else through the pointer, as before). build.sh rewrites a
 * few of libjpeg's once-per-image method calls `(*method) (args)` into this (see DIRECT there) and
 * appends to the file that defines the method `const jd_FILE_NAME = NAME;` (a constant pointer to
 * its static function, so that the call site can name it). At link time (LTO) the constant is
 * folded, the call is direct and LLVM can inline the method into its caller, jd_decode, which V8
 * optimises at start-up: optimised code survives V8's flush of baseline code (tools/repro/
 * liftoff-flush), a separate once-per-image function does not and is compiled again by the first
 * request after it. Same behaviour for every input: the pointer is compared, not assumed.
 * `method` is evaluated twice; every use is a load of a method table's field. A statement (the
 * calls it rewrites return nothing). `nomerge`: without it, LLVM merges the two calls back into
 * one call through the pointer (SimplifyCFG sinks them; the build came out byte for byte as before).
 */
#define JD_DIRECT(method, target, args) \
  do { \
    extern __typeof__(method) const target; \
    if ((method) == target) { \
      __attribute__((nomerge)) (*target) args; \
    } else \
      (*(method)) args; \
  } while (0)

