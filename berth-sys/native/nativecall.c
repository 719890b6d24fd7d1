/*
 * The JNI side of io.berth.sys.NativeCall: a C function called by address with six integer-class
 * arguments, errno stored where the caller says, and symbol lookup. A cold JVM links these two
 * native methods in microseconds, where the foreign-function linker spends ~20 ms generating its
 * stubs and method-handle forms.
 */
#include <dlfcn.h>
#include <errno.h>
#include <jni.h>
#include <stdint.h>

typedef long (*fn6)(long, long, long, long, long, long);

JNIEXPORT jlong JNICALL Java_io_berth_sys_NativeCall_call0(JNIEnv *env, jclass cls, jlong fn, jlong state,
                                                            jlong a, jlong b, jlong c, jlong d, jlong e,
                                                            jlong f) {
  (void)env;
  (void)cls;
  long r = ((fn6)(intptr_t)fn)(a, b, c, d, e, f);
  *(int *)(intptr_t)state = errno;
  return r;
}

JNIEXPORT jlong JNICALL Java_io_berth_sys_NativeCall_symbol0(JNIEnv *env, jclass cls, jstring name) {
  (void)cls;
  const char *n = (*env)->GetStringUTFChars(env, name, NULL);
  if (n == NULL) {
    return 0; /* OutOfMemoryError is pending */
  }
  void *p = dlsym(RTLD_DEFAULT, n);
  (*env)->ReleaseStringUTFChars(env, name, n);
  return (jlong)(intptr_t)p;
}
