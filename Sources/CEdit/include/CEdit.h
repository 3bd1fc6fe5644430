#ifndef KDSQL_CEDIT_H
#define KDSQL_CEDIT_H
// libedit's readline interface, reached through libedit loaded on first use
// (EditLineLoader.c): only the interactive shell edits lines, and mapping
// libedit and its dependencies at start-up cost every kdsql run 0.3 ms.
#include <stdio.h>
#include <editline/readline.h>

// NULL once libedit is loaded, else why it could not be. The load is tried once.
const char *kdsql_edit_load(void);

// libedit's functions and variables, valid only after kdsql_edit_load() returned NULL.
char *kdsql_readline(const char *prompt);
void kdsql_using_history(void);
int kdsql_add_history(const char *line);
void kdsql_stifle_history(int max);
int kdsql_read_history(const char *path);
int kdsql_write_history(const char *path);
char **kdsql_rl_completion_matches(const char *text, rl_compentry_func_t *entry);
void kdsql_set_attempted_completion_function(rl_completion_func_t *function);
void kdsql_set_attempted_completion_over(int over);

#endif
