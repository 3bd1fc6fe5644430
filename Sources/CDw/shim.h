// elfutils' libdw (Debian libdw-dev): DWARF from a debug vmlinux, and through
// libdwfl the DWARF of kernel modules relocated to their load addresses.
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <libelf.h>
#include <gelf.h>
