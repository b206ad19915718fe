from jobbutik.cli.main import main

main()
