import KdsqlCLI

KdsqlMain.run()
