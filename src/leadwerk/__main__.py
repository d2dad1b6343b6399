from leadwerk.cli.main import main

main()
