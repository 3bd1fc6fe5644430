import KdsqlCLI

KdsqlMain.run(opener: .dump)
