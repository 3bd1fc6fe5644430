// elfutils' libdw (Debian libdw-dev): DWARF from a debug vmlinux.
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <libelf.h>
#include <gelf.h>
