/* zenn-fann: FANN's .net files. */
#ifndef __fann_io_h__
#define __fann_io_h__

/* Reads FANN_FLO_2.1, FANN_FLO_2.0 and FANN_FIX_2.0 files. */
FANN_EXTERNAL struct fann *FANN_API fann_create_from_file(const char *configuration_file);
/* Writes FANN_FLO_2.1; 0 on success, -1 on error. */
FANN_EXTERNAL int FANN_API fann_save(struct fann *ann, const char *configuration_file);
/* Writes FANN_FIX_2.0 and returns the decimal point chosen (-1 on error). */
FANN_EXTERNAL int FANN_API fann_save_to_fixed(struct fann *ann, const char *configuration_file);

#endif /* __fann_io_h__ */
