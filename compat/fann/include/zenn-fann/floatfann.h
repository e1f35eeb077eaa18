/* zenn-fann: FANN 2.2's float variant, the only one zenn provides.
 * Include this (or fann.h) exactly as with libfann and link -lzenn-fann. */
#ifndef __floatfann_h__
#define __floatfann_h__

typedef float fann_type;

#undef FLOATFANN
#define FLOATFANN
/* How FANN's float build prints and reads fann_type values. */
#define FANNPRINTF "%.20e"
#define FANNSCANF "%f"

#define FANN_INCLUDE
#include "fann.h"

#endif /* __floatfann_h__ */
