import KdsqlCLI
KdsqlMain.run()
