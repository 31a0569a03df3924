import StrataCommands

StrataCommand.main()
