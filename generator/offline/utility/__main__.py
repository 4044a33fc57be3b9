from generator.offline.utility import main

main()
