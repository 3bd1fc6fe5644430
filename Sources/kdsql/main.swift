import KdsqlCLI

// LEAD: pass the real opener here once the kernel layers can open a dump,
// e.g. KdsqlMain.run(opener: .dump).
KdsqlMain.run()
