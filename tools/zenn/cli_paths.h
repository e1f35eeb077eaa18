/* Output paths checked before any work starts, so a long run never ends in
 * "cannot write" or overwrites one of its own inputs. */
#ifndef ZN_CLI_PATHS_H
#define ZN_CLI_PATHS_H

/* A file the command reads, named for messages ("DATA", "--test"). */
typedef struct cli_named_path {
    const char *what, *path; /* path NULL: not given, skipped */
} cli_named_path;

/* Can `path` (given as option `what`) be written? Not a directory; an
 * existing regular file writable; a new file's directory existing and
 * writable; and not the same file (device and inode, through symlinks and
 * hard links) as any of `inputs`. Devices and FIFOs are accepted (written
 * through). Returns 0, or prints one error line and returns 1. */
int cli_check_output(const char *what, const char *path, const cli_named_path *inputs, int n_inputs);

#endif
