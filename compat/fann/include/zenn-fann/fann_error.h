/* zenn-fann: error reporting, with FANN 2.2's codes.
 *
 * Every struct fann and struct fann_train_data starts with struct
 * fann_error's three fields, so either can be passed here with a cast.
 * Messages go to the object's error log; (FILE *)-1 means stderr. The
 * default log for new objects and for errors without an object is
 * per thread in zenn (a process-wide variable in libfann). */
#ifndef __fann_error_h__
#define __fann_error_h__

#include <stdio.h>

#define FANN_ERRSTR_MAX 128

struct fann_error;

/* The values are FANN 2.2's. */
enum fann_errno_enum {
    FANN_E_NO_ERROR = 0,
    FANN_E_CANT_OPEN_CONFIG_R,    /* a .net file cannot be opened for reading */
    FANN_E_CANT_OPEN_CONFIG_W,    /* a .net file cannot be opened for writing */
    FANN_E_WRONG_CONFIG_VERSION,  /* a .net file of an unknown version */
    FANN_E_CANT_READ_CONFIG,      /* a parameter of a .net file is unreadable */
    FANN_E_CANT_READ_NEURON,      /* the neurons of a .net file are unreadable */
    FANN_E_CANT_READ_CONNECTIONS, /* the connections of a .net file are unreadable */
    FANN_E_WRONG_NUM_CONNECTIONS, /* a .net file's connection count does not add up */
    FANN_E_CANT_OPEN_TD_W,        /* a training-data file cannot be written */
    FANN_E_CANT_OPEN_TD_R,        /* a training-data file cannot be read */
    FANN_E_CANT_READ_TD,          /* a training-data file is malformed */
    FANN_E_CANT_ALLOCATE_MEM,
    FANN_E_CANT_TRAIN_ACTIVATION,
    FANN_E_CANT_USE_ACTIVATION,
    FANN_E_TRAIN_DATA_MISMATCH, /* two data sets of different shapes */
    FANN_E_CANT_USE_TRAIN_ALG,
    FANN_E_TRAIN_DATA_SUBSET, /* a subset outside the data */
    FANN_E_INDEX_OUT_OF_BOUND,
    FANN_E_SCALE_NOT_PRESENT, /* scaling asked for before scaling parameters were set */
    FANN_E_INPUT_NO_MATCH,    /* the data's inputs are not the network's */
    FANN_E_OUTPUT_NO_MATCH    /* the data's outputs are not the network's */
};

/* errdat NULL: sets this thread's default log (used by objects created
 * afterwards on this thread and by errors that have no object). A NULL
 * log_file silences the messages. */
FANN_EXTERNAL void FANN_API fann_set_error_log(struct fann_error *errdat, FILE *log_file);
FANN_EXTERNAL enum fann_errno_enum FANN_API fann_get_errno(struct fann_error *errdat);
FANN_EXTERNAL void FANN_API fann_reset_errno(struct fann_error *errdat);
FANN_EXTERNAL void FANN_API fann_reset_errstr(struct fann_error *errdat);
/* The last message (NULL when there is none); resets errno and errstr. The
 * text stays valid until the next fann_get_errstr call on this thread. */
FANN_EXTERNAL char *FANN_API fann_get_errstr(struct fann_error *errdat);
/* Prints "FANN Error <errno>: <message>" to stderr if there is an error. */
FANN_EXTERNAL void FANN_API fann_print_error(struct fann_error *errdat);

/* libfann's process-wide default log, here this thread's. Assigning to it
 * works as with libfann: fann_default_error_log = NULL; */
FANN_EXTERNAL FILE **FANN_API fann_default_error_log_slot(void);
#define fann_default_error_log (*fann_default_error_log_slot())

#endif /* __fann_error_h__ */
