/* Sub-commands of the zenn tool. Each returns the process exit status. */
#ifndef ZN_CLI_H
#define ZN_CLI_H

int zn_cmd_cpu(int argc, char **argv);
int zn_cmd_bench(int argc, char **argv);
int zn_cmd_train(int argc, char **argv);
int zn_cmd_test(int argc, char **argv);
int zn_cmd_run(int argc, char **argv);
int zn_cmd_info(int argc, char **argv);
int zn_cmd_convert(int argc, char **argv);

#endif
