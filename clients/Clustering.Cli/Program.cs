using System.CommandLine;
using Clustering.Cli.Commands;

// embedctl: thin wiring only; each command lives in Commands/ and its logic in the libraries.
var root = new RootCommand("embedctl: turn a corpus into embedding vectors (Parquet + manifest), on one machine or a cluster.");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
// No response files: "@daily" and "@every 6h" are schedule rules, not files of arguments to expand.
var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
if (parse.Errors.Count > 0) return UsageErrors.Report(parse, Console.Error);
try
{
    // Our handler, not System.CommandLine's: its default prints "Unhandled exception" and a stack trace.
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    return Failures.Report(UsageErrors.CommandPath(parse.CommandResult), e, Console.Error);
}
