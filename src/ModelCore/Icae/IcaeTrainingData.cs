using System.Text;
using System.Text.Json;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>
/// One training sample: the context the encoder compresses, and what the decoder must produce from its slots:
/// the continuation (pretraining's LM objective), or the answer to a prompt (fine-tuning). The AE objective's
/// target is the context itself.
/// </summary>
public sealed record IcaeSample(int[] Context, int[] Continuation, int[] Prompt, int[] Answer);

/// <summary>Where samples come from; a draw is a function of the RNG alone, so a resumed run draws the same samples.</summary>
public interface IIcaeSamples
{
    IcaeSample Draw(Random random, IcaeConfig config, IcaeTrainerOptions options);
}

/// <summary>
/// Pretraining samples from a tokenized corpus: 1 span, or with probability MultiSpanFraction 2..MaxSpans spans
/// (concatenated slots only work after training on some, shared/reference/icae.md), the last span of a length drawn
/// uniformly from 1..span_length (documents end in short spans; a single span at most MaxContextTokens long when that
/// is set, for a ShortFraction share of single-span samples), then ContinuationLength tokens of what follows.
/// </summary>
public sealed class IcaePretrainData(TokenDataset tokens) : IIcaeSamples
{
    public TokenDataset Tokens => tokens;

    public IcaeSample Draw(Random random, IcaeConfig config, IcaeTrainerOptions options)
    {
        var spans = options.MaxSpans >= 2 && random.NextDouble() < options.MultiSpanFraction ? random.Next(2, options.MaxSpans + 1) : 1;
        // ShortFraction = 1 draws nothing here, so runs from before the option repeat their samples.
        var last = spans == 1 && options.MaxContextTokens is int most && (options.ShortFraction >= 1 || random.NextDouble() < options.ShortFraction)
            ? Math.Min(most, config.SpanLength)
            : config.SpanLength;
        var length = (spans - 1) * config.SpanLength + random.Next(1, last + 1);
        var text = tokens.Text(random, length + options.ContinuationLength);
        return new IcaeSample(text[..length], text[length..], [], []);
    }
}

/// <summary>One fine-tuning example in the PwC format (fields input, prompt, answer), tokenized.</summary>
public sealed record IcaeExample(int[] Input, int[] Prompt, int[] Answer);

/// <summary>
/// Fine-tuning samples: (context, prompt, answer) triples, drawn uniformly. Contexts longer than MaxSpans spans keep
/// their first MaxSpans · span_length tokens.
/// </summary>
public sealed class IcaeFineTuneData : IIcaeSamples
{
    public IReadOnlyList<IcaeExample> Examples { get; }

    public IcaeFineTuneData(IReadOnlyList<IcaeExample> examples)
    {
        if (examples.Count == 0) throw new ArgumentException("fine-tuning needs at least one example");
        Examples = examples;
    }

    public IcaeSample Draw(Random random, IcaeConfig config, IcaeTrainerOptions options)
    {
        var e = Examples[random.Next(Examples.Count)];
        var context = e.Input.Length > options.MaxSpans * config.SpanLength ? e.Input[..(options.MaxSpans * config.SpanLength)] : e.Input;
        return new IcaeSample(context, [], e.Prompt, e.Answer);
    }

    /// <summary>
    /// Reads a JSONL file, one object per line with string fields <c>input</c>, <c>prompt</c> and <c>answer</c>
    /// (PwC); blank lines are skipped. Errors name the line and the field.
    /// </summary>
    public static IcaeFineTuneData Load(string path, Func<string, int[]> encode)
    {
        var examples = new List<IcaeExample>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException e) { throw new InvalidDataException($"{path}:{lineNumber}: not valid JSON: {e.Message}", e); }
            using (doc)
            {
                string Field(string name) =>
                    doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                        ? v.GetString()!
                        : throw new InvalidDataException($"{path}:{lineNumber}: field '{name}' must be a string (PwC format: input, prompt, answer)");
                var input = encode(Field("input"));
                if (input.Length == 0) throw new InvalidDataException($"{path}:{lineNumber}: field 'input' has no tokens");
                var answer = encode(Field("answer"));
                examples.Add(new IcaeExample(input, encode(Field("prompt")), answer));
            }
        }
        return examples.Count > 0 ? new IcaeFineTuneData(examples) : throw new InvalidDataException($"{path}: no examples");
    }
}
