#ifndef KDSQL_CCAPSTONE_H
#define KDSQL_CCAPSTONE_H
// capstone's types, and its functions reached through libcapstone loaded on
// first use (CapstoneLoader.c). Only kd_disasm disassembles, and mapping the
// library at start-up (77,000 relocations) cost every kdsql run 1.5 ms.
#include <capstone/capstone.h>

// NULL once libcapstone is loaded, else why it could not be (the loader's
// message, naming the file). Safe from any thread; the load is tried once.
const char *kdsql_capstone_load(void);

// capstone's own functions, valid only after kdsql_capstone_load() returned NULL.
cs_err kdsql_cs_open(cs_arch arch, cs_mode mode, csh *handle);
cs_err kdsql_cs_close(csh *handle);
size_t kdsql_cs_disasm(csh handle, const uint8_t *code, size_t code_size, uint64_t address, size_t count, cs_insn **insn);
void kdsql_cs_free(cs_insn *insn, size_t count);
const char *kdsql_cs_strerror(cs_err code);

#endif
