from mystlite.cli import main

raise SystemExit(main())
