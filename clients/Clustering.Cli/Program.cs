using System.CommandLine;
using Clustering.Cli.Commands;

// embedctl: thin wiring only; each command lives in Commands/ and its logic in the libraries.
var root = new RootCommand("embedctl: turn a corpus into embedding vectors (Parquet + manifest), on one machine or a cluster.");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
// No response files: "@daily" and "@every 6h" are schedule rules, not files of arguments to expand.
return await root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }).InvokeAsync();
