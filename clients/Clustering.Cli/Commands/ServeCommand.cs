using System.CommandLine;
using Clustering.Hosting;
using Clustering.Inference;
using Clustering.Serving;

namespace Clustering.Cli.Commands;

/// <summary>
/// `embedctl serve`: one model on one device behind OpenAI's embeddings API (POST /v1/embeddings, GET /v1/models),
/// with online batching, /metrics and /healthz. Loopback unless --listen says otherwise; a token is then required.
/// Runs until Ctrl-C or SIGTERM, which drain the requests in flight and exit 0.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model directory (config.json, safetensors, tokenizer)", Required = true };
        var name = new Option<string?>("--served-model-name") { Description = "the name clients give as \"model\" (default: the model directory's name)" };
        var device = new Option<string>("--device") { Description = "cpu, cuda (the first GPU) or cuda:N", DefaultValueFactory = _ => "cpu" };
        var listen = new Option<string>("--listen") { Description = $"address(es) to listen on, ';'-separated (beyond loopback a token is required)", DefaultValueFactory = _ => ServeOptions.DefaultListen };
        var token = new Option<string?>("--token")
        {
            Description = "bearer token clients must send (default: $CLUSTERING_TOKEN; prefer the variable, flags show in process lists)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CLUSTERING_TOKEN"),
        };
        var maxLength = new Option<int>("--max-length") { Description = $"tokens per input, prompt and special tokens included (default {EmbeddingOptions.DefaultMaxLength} or the model's limit when lower)", DefaultValueFactory = _ => EmbeddingOptions.DefaultMaxLength };
        var truncate = new Option<bool>("--truncate") { Description = "cut inputs longer than --max-length (a request's \"truncate\" overrides); default: refuse them with 400" };
        var batchTokens = new Option<int>("--batch-tokens") { Description = "tokens per forward pass", DefaultValueFactory = _ => EmbeddingOptions.DefaultBatchTokens };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = all cores)", DefaultValueFactory = _ => 0 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.json (or its directory) when the model directory has none" };
        var defaults = new ServingLimits();
        var maxInputs = new Option<int>("--max-inputs") { Description = "inputs per request", DefaultValueFactory = _ => defaults.MaxInputs };
        var maxRequestTokens = new Option<int>("--max-request-tokens") { Description = "tokens of one request's inputs together", DefaultValueFactory = _ => defaults.MaxRequestTokens };
        var maxQueued = new Option<int>("--max-queued-tokens") { Description = "tokens waiting for the device; beyond, requests get 429 with Retry-After", DefaultValueFactory = _ => defaults.MaxQueuedTokens };
        var window = new Option<double>("--batch-window-ms") { Description = "wait up to this long for more requests when less than a forward pass is queued (0: batch what queued while the device was busy)", DefaultValueFactory = _ => 0 };

        var command = new Command("serve", "Serve a model through OpenAI's embeddings API (POST /v1/embeddings, GET /v1/models) until stopped.")
        {
            model, name, device, listen, token, maxLength, truncate, batchTokens, threads, tokenizer, maxInputs, maxRequestTokens, maxQueued, window,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ServeOptions
            {
                Listen = parse.GetValue(listen)!,
                Token = parse.GetValue(token) is { Length: > 0 } t ? t : null,
                Limits = new ServingLimits
                {
                    MaxInputs = parse.GetValue(maxInputs),
                    MaxRequestTokens = parse.GetValue(maxRequestTokens),
                    MaxQueuedTokens = parse.GetValue(maxQueued),
                    BatchWindow = TimeSpan.FromMilliseconds(parse.GetValue(window)),
                    Truncate = parse.GetValue(truncate),
                },
            };
            // The same record (and so the same defaults and checks) as a job's "embed" options.
            var engine = new EmbeddingOptions
            {
                Device = parse.GetValue(device)!,
                MaxLength = parse.GetValue(maxLength),
                BatchTokens = parse.GetValue(batchTokens),
                Threads = parse.GetValue(threads),
            };
            return await RunAsync(parse.GetValue(model)!, parse.GetValue(name), parse.GetValue(tokenizer), engine, options, cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(string modelPath, string? name, string? tokenizerPath, EmbeddingOptions engine, ServeOptions options, CancellationToken stopping)
    {
        LocalOnlineModel served;
        var metrics = new ServingMetrics();
        try
        {
            options.Limits.Validate();
            ListenAddresses.Parse(options.Listen).RequireTokenUnlessLoopback(options.Token); // before minutes of loading
            engine.Validate();
            if (name is { Length: 0 }) throw new ClusteringException("--served-model-name must not be empty");
            var single = EngineFactory.SingleDevice(engine.Device);
            var model = EngineFactory.LoadModel(modelPath, engine, single, engine.Threads, tokenizerPath: tokenizerPath);
            try
            {
                served = new LocalOnlineModel(name ?? model.ModelId, model, options.Limits, metrics);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        catch (ClusteringException e)
        {
            Console.Error.WriteLine($"embedctl serve: {e.Message}");
            return 2;
        }

        try
        {
            Console.Error.WriteLine($"embedctl serve: {served.Name} on {served.Model.Device} ({served.Model.Config.HiddenSize} dimensions, max {served.Model.MaxLength} tokens per input); auth {(options.Token is null ? "off (loopback only)" : "bearer token")}");
            await ServeHost.RunAsync(options, [served], metrics, Console.Out, stopping);
            return 0;
        }
        catch (ClusteringException e)
        {
            Console.Error.WriteLine($"embedctl serve: {e.Message}");
            return 2;
        }
        finally
        {
            served.Dispose();
            served.Model.Dispose();
        }
    }
}
