from neurograph.commands.cli import main

raise SystemExit(main())
