from analyzer.cli.main import run

run()
