using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MemoryPlatform.ModelCore.Data;
using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.Cli.Commands;

/// <summary>
/// `memplat eval icae`: the ICAE tables of issue 4 (autoencoding BLEU and exact-match prefix per length, slot format and
/// adapter; continuation perplexity raw vs slots; task accuracy raw vs slots by span count). The protocol lives in
/// ModelCore's IcaeEvaluation; this file parses options and prints. docs/results-icae.md explains the metrics.
/// </summary>
public static class EvalIcaeCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var defaults = new IcaeEvalOptions();
        var model = new Option<string>("--model") { Description = "Base model directory (config.json, *.safetensors, tokenizer.model)", Required = true };
        var adapters = new Option<string[]>("--adapter") { Description = "ICAE adapter directory (repeatable: one per k)", Required = true, AllowMultipleArgumentsPerToken = true };
        var file = new Option<string>("--file") { Description = "Held-out split (documents separated by <|doc|> lines), e.g. /work/corpus/test.txt", Required = true };
        var tasks = new Option<string>("--tasks") { Description = "Task file of `memplat data icae-tasks` (test.jsonl)", Required = true };
        var rawReference = new Option<string?>("--raw-reference")
        {
            Description = "Fine-tuned raw-context reference (`train icae-finetune --raw-context`): answers the tasks' raw-context condition",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every table" };
        var samples = new Option<int>("--samples") { Description = "Passages per length, windows per context, task samples per span count", DefaultValueFactory = _ => defaults.Samples };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => defaults.Seed };
        var lengths = new Option<string>("--lengths") { Description = "Autoencoding passage lengths in tokens", DefaultValueFactory = _ => Join(defaults.AutoencodeLengths) };
        var contexts = new Option<string>("--contexts") { Description = "Continuation contexts, in span lengths (1x, 2x, 4x)", DefaultValueFactory = _ => Join(defaults.ContextMultiples) };
        var continuation = new Option<int>("--continuation-tokens") { Description = "Tokens scored after each context", DefaultValueFactory = _ => defaults.ContinuationTokens };
        var taskSpans = new Option<string>("--task-spans") { Description = "Span counts of the task samples (1 = single-span)", DefaultValueFactory = _ => Join(defaults.TaskSpans) };
        var format = new Option<string>("--format") { Description = "Slot format of the continuation and task tests (autoencoding runs fp16 and int8)", DefaultValueFactory = _ => "fp16" };
        var dtype = new Option<string>("--dtype") { Description = "Compute dtype: f32 or bf16", DefaultValueFactory = _ => "bf16" };
        var device = new Option<string>("--device") { Description = "cpu or cuda:N", DefaultValueFactory = _ => "cpu" };
        var encodeBatch = new Option<int>("--encode-batch") { Description = "Spans per encoder pass", DefaultValueFactory = _ => defaults.EncodeBatch };
        var decodeBatch = new Option<int>("--decode-batch") { Description = "Requests per decoder batch", DefaultValueFactory = _ => defaults.DecodeBatch };
        var noRepeat = new Option<int>("--no-repeat-ngram") { Description = "n > 0: greedy decoding never writes an n-gram of its own output twice (0: plain greedy)" };
        var minTokens = new Option<int>("--min-tokens")
        {
            Description = "m > 0: an autoencoding may not end before m tokens (0: ends at the first EOS, the protocol's; `icae reconstruct` and the platform use 1)",
        };
        var command = new Command("icae", "ICAE: autoencoding BLEU / exact-match prefix, continuation perplexity and task accuracy, slots vs raw context (docs/results-icae.md)");
        foreach (var o in new Option[] { model, adapters, file, tasks, rawReference, json, samples, seed, lengths, contexts, continuation, taskSpans, format, dtype, device, encodeBatch, decodeBatch, noRepeat, minTokens })
            command.Options.Add(o);
        command.SetAction((parse, ct) => CommandErrors.RunAsync("eval icae", async () =>
        {
            Torch.Threads = Environment.ProcessorCount;
            var options = new IcaeEvalOptions
            {
                Samples = parse.GetValue(samples), Seed = parse.GetValue(seed),
                AutoencodeLengths = Ints("--lengths", parse.GetValue(lengths)!), ContextMultiples = Ints("--contexts", parse.GetValue(contexts)!),
                ContinuationTokens = parse.GetValue(continuation), TaskSpans = Ints("--task-spans", parse.GetValue(taskSpans)!),
                StoredFormat = SlotRoundTrip.Parse(parse.GetValue(format)!),
                DType = DTypeExtensions.Parse(parse.GetValue(dtype)!), Device = Device.Parse(parse.GetValue(device)!),
                EncodeBatch = parse.GetValue(encodeBatch), DecodeBatch = parse.GetValue(decodeBatch), NoRepeatNgram = parse.GetValue(noRepeat),
                AutoencodeMinTokens = parse.GetValue(minTokens),
            };
            var inputs = new IcaeEvalInputs(parse.GetValue(model)!, parse.GetValue(adapters)!, parse.GetValue(file)!, parse.GetValue(tasks)!, parse.GetValue(rawReference));
            var asJson = parse.GetValue(json);
            var report = await IcaeEvaluation.RunAsync(inputs, options, progress: line => Console.Error.WriteLine($"eval icae: {line}"), ct: ct);
            if (asJson) Console.WriteLine(JsonSerializer.Serialize(new { settings = Settings(inputs, options, parse.GetValue(dtype)!), protocol = IcaeEvaluation.Protocol, report.Adapters, report.Seconds }, Json));
            else Console.Write(Tables(report, options, inputs.RawReferenceDir));
        }));
        return command;
    }

    private static object Settings(IcaeEvalInputs inputs, IcaeEvalOptions o, string dtype) => new
    {
        model = inputs.ModelDir, adapters = inputs.AdapterDirs, file = inputs.TestSplit, tasks = inputs.TasksFile, raw_reference = inputs.RawReferenceDir,
        // The paths alone do not say which passages were drawn: a data directory rebuilt with other options keeps them.
        file_sha256 = CorpusWriter.Sha256File(inputs.TestSplit), tasks_sha256 = CorpusWriter.Sha256File(inputs.TasksFile),
        samples = o.Samples, seed = o.Seed, lengths = o.AutoencodeLengths, contexts = o.ContextMultiples, continuation_tokens = o.ContinuationTokens,
        task_spans = o.TaskSpans, autoencode_formats = o.AutoencodeFormats.Select(SlotRoundTrip.Name), stored_format = SlotRoundTrip.Name(o.StoredFormat),
        dtype, device = o.Device.ToString(), encode_batch = o.EncodeBatch, decode_batch = o.DecodeBatch, no_repeat_ngram = o.NoRepeatNgram,
        min_tokens = o.AutoencodeMinTokens,
        machine = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}", date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    /// <summary>The human-readable form: three tables per adapter.</summary>
    private static string Tables(IcaeEvalReport report, IcaeEvalOptions o, string? rawReference)
    {
        var s = new StringBuilder();
        foreach (var a in report.Adapters)
        {
            s.AppendLine($"adapter {a.Adapter}: k {a.MemoryTokens}, span {a.SpanLength}, decoder reads ≤ {a.MaxDecoderPositions} positions ({a.Seconds:F0} s)");
            s.AppendLine($"  autoencoding, {o.Samples} passages, greedy; BLEU-4 on token ids (add-one smoothing for n ≥ 2), exact-match prefix");
            s.AppendLine("  tokens spans slots format  blob B   BLEU med  BLEU mean  prefix med  prefix mean");
            foreach (var r in a.Autoencoding)
                s.AppendLine(r.Bleu is { } b && r.ExactPrefix is { } p
                    ? $"  {r.Tokens,6} {r.Spans,5} {r.Slots,5} {r.Format,-6} {r.BlobBytesPerSpan,7} {b.Median,10:F4} {b.Mean,10:F4} {p.Median,11:F4} {p.Mean,12:F4}"
                    : $"  {r.Tokens,6} {r.Spans,5} {r.Slots,5} {r.Format,-6} {r.BlobBytesPerSpan,7}   skipped: {r.Skipped}");
            if (a.Int8VsFp16.Count > 0)
            {
                s.AppendLine("  int8 against fp16 on the same passages: BLEU drops, the median's 95 % paired-bootstrap interval, passages changed");
                s.AppendLine("  tokens  median drop  interval            mean drop  changed");
                foreach (var c in a.Int8VsFp16)
                    s.AppendLine($"  {c.Tokens,6}  {Signed(c.MedianBleuDrop),11}  {Signed(c.MedianBleuDropLow)} .. {Signed(c.MedianBleuDropHigh)}  {Signed(c.MeanBleuDrop),9}  {c.PassagesChanged,7}");
            }
            s.AppendLine($"  continuation perplexity of {o.ContinuationTokens} tokens after the context ({SlotRoundTrip.Name(o.StoredFormat)} slots)");
            s.AppendLine("  context tokens slots    raw ppl  slots ppl");
            foreach (var r in a.Continuation)
            {
                s.AppendLine($"  {r.Multiple + "x",7} {r.ContextTokens,6} {r.Slots,5} {Ppl(r.RawPpl),10} {Ppl(r.SlotsPpl),10}");
                if (r.RawSkipped is { } rs) s.AppendLine($"          raw skipped: {rs}");
                if (r.SlotsSkipped is { } ss) s.AppendLine($"          slots skipped: {ss}");
            }
            s.AppendLine("  task accuracy (exact match), slots vs raw context in the prompt" + (rawReference is null ? "" : $" (raw context answered by the reference {rawReference})"));
            s.AppendLine("  spans  in file  used  enc spans   slots acc (n, skipped)   raw acc (n, skipped)");
            foreach (var r in a.Tasks)
                s.AppendLine($"  {r.Spans,5} {r.Available,8} {r.Samples,5} {r.MeanEncoderSpans,10:F1}   {Score(r.WithSlots),-23} {Score(r.WithRawContext)}");
            s.AppendLine();
        }
        s.AppendLine($"total {report.Seconds:F0} s");
        return s.ToString();
    }

    private static string Signed(double value) => value.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture);

    private static string Ppl(double? ppl) => ppl is double p ? p.ToString("F2", CultureInfo.InvariantCulture) : "-";

    private static string Score(TaskScore t) => (t.Accuracy is double acc ? acc.ToString("F3", CultureInfo.InvariantCulture) : "-") + $" ({t.Evaluated}, {t.Skipped})";

    private static string Join(IEnumerable<int> values) => string.Join(',', values);

    private static int[] Ints(string name, string text)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"{name}: '{v}' is not an integer"))
            .ToArray();
        return values.Length > 0 ? values : throw new ArgumentException($"{name} is empty");
    }
}
