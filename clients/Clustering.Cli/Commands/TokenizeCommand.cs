using System.CommandLine;
using Clustering.Tokenizers;
using Clustering.Tokenizers.JsonLines;

namespace Clustering.Cli.Commands;

/// <summary>`embedctl tokenize`: JSON lines of texts in, token ids out (the logic is TokenizeJsonLines in Clustering.Tokenizers).</summary>
internal static class TokenizeCommand
{
    public static Command Build()
    {
        var model = new Option<string>("--model")
        {
            Description = "A Hugging Face model directory (tokenizer.json, or vocab.json + merges.txt + tokenizer_config.json) or a tokenizer.json file.",
            Required = true,
        };
        var maxLength = new Option<int>("--max-length")
        {
            Description = "Truncate to at most N ids, keeping the special tokens the tokenizer adds (Hugging Face truncation, right side). 0 = no limit.",
            DefaultValueFactory = _ => 0,
        };
        var noSpecial = new Option<bool>("--no-special-tokens")
        {
            Description = "Do not add the post-processor's special tokens (for Qwen3-Embedding: the trailing <|endoftext|>).",
        };
        var command = new Command("tokenize", """
            Tokenize JSON lines exactly as Hugging Face tokenizers does.
              stdin:  {"id": ..., "text": "..."}  one object per line (id may be any JSON value or absent)
              stdout: {"id": ..., "ids": [...]}   one line per input line, in input order
            A bad line (not JSON, no string "text", invalid UTF-8) gives {"id": <id or null>, "line": N, "error": "..."}
            and the run goes on. Blank lines are skipped (no output) but count in line numbers.
            Exit code 0 when every line succeeded, 1 when some failed (counts on stderr), 2 when the tokenizer cannot load.
            Example: echo '{"id":1,"text":"Hello world"}' | embedctl tokenize --model ../shared/models/qwen3-tokenizer
            """)
        {
            model, maxLength, noSpecial,
        };
        command.SetAction(parse =>
        {
            int max = parse.GetValue(maxLength);
            if (max < 0) { Console.Error.WriteLine("tokenize: --max-length must be 0 or more"); return 2; }
            Tokenizer tokenizer;
            try { tokenizer = Tokenizer.Load(parse.GetValue(model)!); }
            catch (ClusteringException e) { Console.Error.WriteLine($"tokenize: {e.Message}"); return 2; }
            bool addSpecial = !parse.GetValue(noSpecial);
            if (max > 0 && addSpecial && max < tokenizer.SpecialTokensAdded)
            {
                Console.Error.WriteLine($"tokenize: --max-length {max} is shorter than the {tokenizer.SpecialTokensAdded} special tokens the tokenizer adds");
                return 2;
            }
            var run = new TokenizeJsonLines(tokenizer, addSpecial, max);
            using var stdin = Console.OpenStandardInput();
            using var stdout = Console.OpenStandardOutput();
            var result = run.Run(stdin, stdout);
            Console.Error.WriteLine($"tokenize: {result.Records + result.Errors} lines, {result.Records} tokenized, {result.Errors} errors, {result.BlankLines} blank skipped");
            return result.Errors == 0 ? 0 : 1;
        });
        return command;
    }
}
