using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>Exact-match score of one condition: <see cref="Correct"/> of <see cref="Evaluated"/>; <see cref="Skipped"/> did not fit the decoder.</summary>
public sealed record TaskScore(int Evaluated, int Correct, int Skipped)
{
    public double? Accuracy => Evaluated == 0 ? null : Correct / (double)Evaluated;
}

/// <summary>One sample's outcome, kept so that a report can show what the model said.</summary>
public sealed record TaskOutcome(string Task, string Prompt, string Answer, string? SlotsOutput, string? RawOutput);

/// <summary>
/// Task accuracy over the samples of <see cref="Spans"/> spans (the task file's <c>spans</c> field): <see cref="Samples"/>
/// taken of <see cref="Available"/> in the file, scored with slots and with the raw context, overall and per task.
/// </summary>
public sealed record TaskAccuracyResult(
    int Spans, int Available, int Samples, double MeanEncoderSpans, TaskScore WithSlots, TaskScore WithRawContext,
    IReadOnlyDictionary<string, TaskScore> SlotsByTask, IReadOnlyDictionary<string, TaskScore> RawByTask,
    IReadOnlyList<TaskOutcome> Outcomes);

/// <summary>
/// Fine-tuned task accuracy (docs/icae-tasks.md): for each sample the decoder answers its prompt by greedy decoding
/// from <c>[slots][FT] prompt</c> (the context tokenized whole and cut into span_length-token spans, as fine-tuning
/// does; slots stored as a blob and read back), and from the same layout with the context's token embeddings in place
/// of the slots (the raw-context condition). An answer is right when the output up to EOS, trimmed of surrounding
/// whitespace, equals the sample's answer exactly. Decoding stops at EOS or after the answer's token count + 16
/// tokens (a longer output cannot match). A sample whose decoder input does not fit the decoder is counted as
/// skipped for that condition, not as wrong. A <c>rawReference</c> (a decoder-LoRA adapter over the same base, fine-tuned
/// on raw contexts) answers the raw-context condition in place of the model's own [FT] row over the frozen base.
/// </summary>
public static class IcaeTaskAccuracy
{
    public const int AnswerMargin = 16;

    /// <summary>A task file of `memplat data icae-tasks` (JSONL, docs/icae-tasks.md); errors name the line.</summary>
    public static IReadOnlyList<IcaeTaskSample> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--tasks: no such file: {Path.GetFullPath(path)} (make one with `memplat data icae-tasks`)");
        var samples = new List<IcaeTaskSample>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            IcaeTaskSample sample;
            try { sample = IcaeTaskGenerator.ReadLine(line); }
            catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{path}:{lineNumber}: not a task sample: {e.Message}", e); }
            if (sample.Input is null || sample.Prompt is null || sample.Answer is null || sample.Task is null || sample.Spans < 1)
                throw new InvalidDataException($"{path}:{lineNumber}: a task sample needs input, prompt, answer, task and spans ≥ 1 (docs/icae-tasks.md)");
            samples.Add(sample);
        }
        return samples.Count > 0 ? samples : throw new InvalidDataException($"{path}: no task samples");
    }

    /// <summary>The first <paramref name="count"/> samples with exactly <paramref name="spans"/> spans, in file order, and how many there were.</summary>
    public static (IReadOnlyList<IcaeTaskSample> Samples, int Available) Select(IReadOnlyList<IcaeTaskSample> all, int spans, int count)
    {
        var matching = all.Where(s => s.Spans == spans).ToList();
        return (matching.Take(count).ToList(), matching.Count);
    }

    public static async Task<TaskAccuracyResult> EvaluateAsync(
        IcaeModel model, TextCodec codec, IReadOnlyList<IcaeTaskSample> samples, int spans, int available, SlotDType format,
        int encodeBatch, int decodeBatch, CancellationToken ct = default, IcaeModel? rawReference = null, GenerationOptions? decoding = null)
    {
        decoding ??= IcaeEvalDecoder.Greedy;
        var raw = rawReference ?? model;
        var contexts = samples.Select(s => codec.Encode(s.Input)).ToArray();
        var prompts = samples.Select(s => codec.Encode(s.Prompt)).ToArray();
        var budgets = samples.Select(s => codec.Encode(s.Answer).Length + AnswerMargin).ToArray();
        var encoderSpans = contexts.Select(c => model.SplitSpans(c)).ToArray();
        // The fine-tuned layout around the block, then the answer budget: the rule GenerateAsync applies.
        long Needed(int i, long block) => model.InputLength(IcaeLayout.FineTuned, block, prompts[i].Length) + budgets[i];
        var slotFits = Enumerable.Range(0, samples.Count).Where(i => contexts[i].Length > 0 &&
            IcaeEvalDecoder.Overflow(model, Needed(i, (long)encoderSpans[i].Count * model.MemoryTokens)) is null).ToArray();
        var rawFits = Enumerable.Range(0, samples.Count).Where(i => contexts[i].Length > 0 &&
            IcaeEvalDecoder.Overflow(raw, Needed(i, contexts[i].Length)) is null).ToArray();

        var slotOutputs = await Answer(model, codec, slotFits, i => IcaeEvalDecoder.ServedSlots(model, [encoderSpans[i]], format, encodeBatch, ct)[0],
                                       prompts, budgets, decodeBatch, decoding, ct);
        var rawOutputs = await Answer(raw, codec, rawFits, i => raw.RawContext(contexts[i]), prompts, budgets, decodeBatch, decoding, ct);

        bool Right(int i, string output) => output.Trim() == samples[i].Answer.Trim();
        TaskScore Score(Dictionary<int, string> outputs, Func<int, bool> include)
        {
            var considered = Enumerable.Range(0, samples.Count).Where(include).ToArray();
            var evaluated = considered.Where(outputs.ContainsKey).ToArray();
            return new TaskScore(evaluated.Length, evaluated.Count(i => Right(i, outputs[i])), considered.Length - evaluated.Length);
        }
        var tasks = samples.Select(s => s.Task).Distinct().Order(StringComparer.Ordinal).ToArray();
        Dictionary<string, TaskScore> ByTask(Dictionary<int, string> outputs) =>
            tasks.ToDictionary(t => t, t => Score(outputs, i => samples[i].Task == t));
        var outcomes = samples.Select((s, i) => new TaskOutcome(s.Task, s.Prompt, s.Answer, slotOutputs.GetValueOrDefault(i), rawOutputs.GetValueOrDefault(i))).ToList();
        return new TaskAccuracyResult(spans, available, samples.Count, samples.Count == 0 ? 0 : encoderSpans.Average(e => e.Count),
                                      Score(slotOutputs, _ => true), Score(rawOutputs, _ => true),
                                      ByTask(slotOutputs), ByTask(rawOutputs), outcomes);
    }

    /// <summary>Decoded outputs of the samples in <paramref name="which"/>, each answered from the block <paramref name="block"/> builds.</summary>
    private static async Task<Dictionary<int, string>> Answer(IcaeModel model, TextCodec codec, int[] which, Func<int, Tensor> block, int[][] prompts,
                                                              int[] budgets, int decodeBatch, GenerationOptions decoding, CancellationToken ct)
    {
        var outputs = new Dictionary<int, string>();
        // A chunk at a time, so that only one chunk's context blocks are alive.
        foreach (var chunk in which.Chunk(decodeBatch))
        {
            var blocks = new List<Tensor>();
            try
            {
                foreach (var i in chunk) blocks.Add(block(i));
                var requests = chunk.Select((i, j) => IcaePrompt.Ask([blocks[j]], prompts[i])).ToArray();
                var generated = await IcaeEvalDecoder.GenerateAsync(model, requests, chunk.Select(i => budgets[i]).ToArray(), decodeBatch, decoding, ct);
                for (var j = 0; j < chunk.Length; j++) outputs[chunk[j]] = codec.Decode(generated[j]);
            }
            finally
            {
                foreach (var b in blocks) b.Dispose();
            }
        }
        return outputs;
    }
}
