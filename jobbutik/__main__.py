from jobbutik.cli import main

main()
