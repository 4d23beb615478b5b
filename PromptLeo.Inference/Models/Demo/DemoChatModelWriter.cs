using System.Security.Cryptography;

namespace PromptLeo.Inference.Models.Demo;

/// <summary>Size and identity of a generated random-weight chat model.</summary>
public sealed record DemoChatModelOptions
{
    /// <summary>Registry id and folder name.</summary>
    public string Id { get; init; } = "demo-chat";
    public int EmbeddingLength { get; init; } = 64;
    public int BlockCount { get; init; } = 2;
    public int HeadCount { get; init; } = 4;
    /// <summary>Key/value heads (grouped-query attention).</summary>
    public int HeadCountKv { get; init; } = 2;
    public int FeedForwardLength { get; init; } = 128;
    public int ContextLength { get; init; } = 512;
    /// <summary>Generated word pieces added after the built-in ones, to grow the vocabulary.</summary>
    public int ExtraVocabPieces { get; init; }
    /// <summary>Write weight matrices as F16 instead of F32 (norm weights stay F32).</summary>
    public bool UseF16 { get; init; }
    /// <summary>Seed of the weights; the same options write the same bytes.</summary>
    public int Seed { get; init; }
    /// <summary><c>tokenizer.chat_template</c>; null writes the ChatML template, an empty string writes none.</summary>
    public string? ChatTemplate { get; init; }
    /// <summary>Control tokens of another model family, added after the built-in ones (e.g. <c>&lt;|eot_id|&gt;</c>).</summary>
    public IReadOnlyList<string> ControlTokens { get; init; } = [];
    /// <summary>Text of the end-of-sequence token; null keeps <c>&lt;|im_end|&gt;</c>.</summary>
    public string? EosToken { get; init; }
    /// <summary>Text of the end-of-turn token written as <c>tokenizer.ggml.eot_token_id</c>; null writes none.</summary>
    public string? EotToken { get; init; }
    /// <summary>
    /// When set, one embedding dimension and this token's output row are raised so greedy decoding picks this token
    /// after any prompt (tests of end-of-generation handling); null keeps the weights purely random.
    /// </summary>
    public string? GreedyToken { get; init; }
    /// <summary>
    /// User-defined tokens (GGUF token type 4), added after the control tokens: the tokenizer always matches them and
    /// decoding always prints them, as <c>&lt;think&gt;</c> and <c>&lt;/think&gt;</c> in Qwen3.
    /// </summary>
    public IReadOnlyList<string> UserTokens { get; init; } = [];
    /// <summary>Normal word pieces added last (for example <c>"\n\n"</c>, a single token in Qwen's vocabulary).</summary>
    public IReadOnlyList<string> ExtraPieces { get; init; } = [];
    /// <summary>
    /// A scripted bigram model: token texts where each one's successor is the next. The blocks add nothing
    /// (attention and feed-forward output weights are zero), each scripted token's embedding is one-hot, and the output
    /// matrix maps it to its successor, so after a prompt that ends with a scripted token the real engine generates the
    /// rest of the script, at any temperature. Each token may appear once, except as the last entry.
    /// </summary>
    public IReadOnlyList<string> Script { get; init; } = [];
}

/// <summary>
/// Writes a tiny random-weight <c>llama</c> chat model: SentencePiece vocabulary with the 256 byte tokens, a ChatML
/// chat template, grouped-query attention and <c>&lt;|im_end|&gt;</c> as end of generation. Its output is noise; it
/// exists for tests and demo mode and is always labelled "Demo (random weights)".
/// </summary>
public static class DemoChatModelWriter
{
    /// <summary>File name of the GGUF file inside the model folder.</summary>
    public const string GgufFileName = "model.gguf";

    private const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}" +
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    private static readonly string[] Specials = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"];

    private static readonly string[] BasePieces =
    [
        "▁", "▁the", "▁a", "▁and", "▁hello", "▁world", "▁data", "▁privacy", "▁model", "▁image",
        "user", "assistant", "system",
        .. "abcdefghijklmnopqrstuvwxyz".Select(c => c.ToString()),
    ];

    /// <summary>Builds the GGUF writer for <paramref name="options"/> without writing anything.</summary>
    public static GgufWriter CreateGguf(DemoChatModelOptions options)
    {
        var e = options.EmbeddingLength;
        if (e <= 0 || options.HeadCount <= 0 || e % options.HeadCount != 0)
            throw new ArgumentException("EmbeddingLength must be a positive multiple of HeadCount.", nameof(options));
        if (options.HeadCountKv <= 0 || options.HeadCount % options.HeadCountKv != 0)
            throw new ArgumentException("HeadCount must be a multiple of HeadCountKv.", nameof(options));
        var headDim = e / options.HeadCount;
        var kvDim = (ulong)(options.HeadCountKv * headDim);
        var ff = (ulong)options.FeedForwardLength;

        var pieces = BasePieces.Concat(GeneratedPieces(options.ExtraVocabPieces)).ToList();
        var tokens = Specials.Concat(Enumerable.Range(0, 256).Select(i => $"<0x{i:X2}>")).Concat(pieces).ToList();
        var tokenTypes = new List<int> { 2, 3, 3, 3, 3 }; // <unk> unknown, the rest control
        tokenTypes.AddRange(Enumerable.Repeat(6, 256)); // byte tokens
        tokenTypes.AddRange(Enumerable.Repeat(1, pieces.Count)); // normal
        var scores = Enumerable.Repeat(0f, Specials.Length + 256).Concat(pieces.Select((_, i) => -(float)i)).ToList();
        // Family control tokens go last, so the default vocabulary (and the file's bytes) stay as they were.
        foreach (var (text, type) in options.ControlTokens.Select(c => (c, 3))
                     .Concat(options.UserTokens.Select(u => (u, 4))).Concat(options.ExtraPieces.Select(p => (p, 1))))
        {
            if (tokens.Contains(text))
                continue;
            tokens.Add(text);
            tokenTypes.Add(type);
            scores.Add(0f);
        }

        var v = (ulong)tokens.Count;
        var eos = TokenId(tokens, options.EosToken ?? "<|im_end|>");
        var greedy = options.GreedyToken is { } g ? TokenId(tokens, g) : (int?)null;
        var script = options.Script.Select(t => TokenId(tokens, t)).ToArray();
        if (script.Length > 0 && (greedy is not null || script.Length - 1 > e || script[..^1].Distinct().Count() != script.Length - 1))
            throw new ArgumentException("Script needs distinct tokens (all but the last), at most EmbeddingLength of them, and no GreedyToken.", nameof(options));

        var gguf = new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("general.name", "demo (random weights)")
            .Add("llama.context_length", (uint)options.ContextLength)
            .Add("llama.embedding_length", (uint)e)
            .Add("llama.block_count", (uint)options.BlockCount)
            .Add("llama.feed_forward_length", (uint)options.FeedForwardLength)
            .Add("llama.attention.head_count", (uint)options.HeadCount)
            .Add("llama.attention.head_count_kv", (uint)options.HeadCountKv)
            .Add("llama.rope.dimension_count", (uint)headDim)
            .Add("llama.attention.layer_norm_rms_epsilon", 1e-5f)
            .Add("general.file_type", options.UseF16 ? 1u : 0u)
            .Add("tokenizer.ggml.model", "llama")
            .Add("tokenizer.ggml.tokens", tokens)
            .Add("tokenizer.ggml.scores", scores)
            .Add("tokenizer.ggml.token_type", tokenTypes)
            .Add("tokenizer.ggml.bos_token_id", 1u)
            .Add("tokenizer.ggml.eos_token_id", (uint)eos)
            .Add("tokenizer.ggml.unknown_token_id", 0u);
        if (options.EotToken is { } eot)
            gguf.Add("tokenizer.ggml.eot_token_id", (uint)TokenId(tokens, eot));
        if (options.ChatTemplate is not "")
            gguf.Add("tokenizer.chat_template", options.ChatTemplate ?? ChatMlTemplate);

        // One generator for the whole file, consumed in tensor order, so the bytes depend only on the options.
        var random = new Random(options.Seed);
        var matrixType = options.UseF16 ? GgufTensorType.F16 : GgufTensorType.F32;
        void Matrix(string name, ulong ne0, ulong ne1, Action<Span<float>>? adjust = null) =>
            gguf.AddTensor(name, [ne0, ne1], matrixType, span =>
            {
                FillGaussian(span, random, 0.08);
                adjust?.Invoke(span);
            });
        void Norm(string name) => gguf.AddTensor(name, [(ulong)e], GgufTensorType.F32, span => span.Fill(1f));

        var ue = (ulong)e;
        // With a favoured token, dimension 0 of every embedding is large and only that token's output row reads it,
        // so its logit dominates whatever the random blocks add.
        Matrix("token_embd.weight", ue, v, script.Length > 0 ? span => OneHotRows(span, e, script[..^1])
            : greedy is null ? null : span => SetFirstOfRows(span, e, _ => 4f));
        // A scripted model's blocks add nothing to the residual stream: it stays the token's embedding.
        Action<Span<float>>? silent = script.Length > 0 ? span => span.Clear() : null;
        for (var i = 0; i < options.BlockCount; i++)
        {
            var p = $"blk.{i}.";
            Norm(p + "attn_norm.weight");
            Matrix(p + "attn_q.weight", ue, ue);
            Matrix(p + "attn_k.weight", ue, kvDim);
            Matrix(p + "attn_v.weight", ue, kvDim);
            Matrix(p + "attn_output.weight", ue, ue, silent);
            Norm(p + "ffn_norm.weight");
            Matrix(p + "ffn_gate.weight", ue, ff);
            Matrix(p + "ffn_up.weight", ue, ff);
            Matrix(p + "ffn_down.weight", ff, ue, silent);
        }

        Norm("output_norm.weight");
        Matrix("output.weight", ue, v, script.Length > 0 ? span => SuccessorColumns(span, e, script)
            : greedy is not { } favoured ? null : span => SetFirstOfRows(span, e, t => t == favoured ? 50f : 0f));
        return gguf;
    }

    // Scripted token i reads as dimension i alone.
    private static void OneHotRows(Span<float> span, int rowLength, int[] tokens)
    {
        for (var i = 0; i < tokens.Length; i++)
        {
            var row = span.Slice(tokens[i] * rowLength, rowLength);
            row.Clear();
            row[i] = 1f;
        }
    }

    // Dimension i feeds only the logit of the successor of scripted token i.
    private static void SuccessorColumns(Span<float> span, int rowLength, int[] script)
    {
        for (var i = 0; i < script.Length - 1; i++)
            for (var row = 0; row < span.Length / rowLength; row++)
                span[row * rowLength + i] = row == script[i + 1] ? 50f : 0f;
    }

    private static void SetFirstOfRows(Span<float> span, int rowLength, Func<int, float> value)
    {
        for (var row = 0; row < span.Length / rowLength; row++)
            span[row * rowLength] = value(row);
    }

    private static int TokenId(List<string> tokens, string text)
    {
        var id = tokens.IndexOf(text);
        return id >= 0 ? id : throw new ArgumentException($"Token '{text}' is not in the vocabulary.", nameof(text));
    }

    /// <summary>
    /// Writes <c>model.gguf</c> and <c>manifest.json</c> into <c>&lt;modelsDirectory&gt;/&lt;id&gt;</c> and returns the manifest.
    /// </summary>
    public static async Task<ModelManifest> WriteAsync(
        string modelsDirectory, DemoChatModelOptions options, CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(modelsDirectory, options.Id);
        var file = await WriteGgufAsync(CreateGguf(options), directory, cancellationToken);
        var manifest = new ModelManifest
        {
            Id = options.Id,
            DisplayName = $"Chat {options.EmbeddingLength}x{options.BlockCount} — Demo (random weights)",
            Kind = ModelKind.Chat,
            Files = [file],
            License = "none (random weights, generated locally)",
            ContextLength = options.ContextLength,
            DefaultParameters = new Dictionary<string, double> { ["temperature"] = 0.8, ["max_tokens"] = 64 },
            IsDemo = true,
        };
        await ModelManifestFile.WriteAsync(directory, manifest, cancellationToken);
        return manifest;
    }

    /// <summary>Writes <paramref name="gguf"/> as <c>model.gguf</c> into <paramref name="directory"/> (atomically) and describes the file.</summary>
    internal static async Task<ModelFile> WriteGgufAsync(GgufWriter gguf, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var ggufPath = Path.Combine(directory, GgufFileName);
        var temp = ggufPath + ".tmp";
        await gguf.WriteAsync(temp, cancellationToken);
        File.Move(temp, ggufPath, overwrite: true);
        await using var stream = File.OpenRead(ggufPath);
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
        return new ModelFile(GgufFileName, sha256, stream.Length);
    }

    private static IEnumerable<string> GeneratedPieces(int count)
    {
        if (count <= 0)
            yield break;
        var existing = new HashSet<string>(BasePieces);
        var produced = 0;
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        for (var length = 2; ; length++)
        {
            var indices = new int[length];
            while (true)
            {
                var word = new string(indices.Select(i => letters[i]).ToArray());
                foreach (var piece in (string[])["▁" + word, word])
                {
                    if (!existing.Add(piece))
                        continue;
                    yield return piece;
                    if (++produced == count)
                        yield break;
                }

                var k = length - 1;
                while (k >= 0 && ++indices[k] == letters.Length)
                    indices[k--] = 0;
                if (k < 0)
                    break;
            }
        }
    }

    private static void FillGaussian(Span<float> span, Random random, double stdDev)
    {
        // Box-Muller: two normal samples per pair of uniforms.
        for (var i = 0; i < span.Length; i += 2)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var r = Math.Sqrt(-2.0 * Math.Log(u1)) * stdDev;
            span[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < span.Length)
                span[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
    }
}
