using Google.Protobuf;
using Microsoft.ML.Tokenizers;

namespace PromptLeo.Inference.Diffusion.Flux;

/// <summary>Token ids of one prompt, padded to the encoder's sequence length, and whether the prompt was cut.</summary>
internal sealed record T5Tokens(long[] Ids, bool Truncated);

/// <summary>
/// The T5 tokenizer: SentencePiece unigram from <c>tokenizer_2/spiece.model</c> (Microsoft.ML.Tokenizers), as
/// <c>T5TokenizerFast(padding="max_length", truncation=True)</c> produces it: the pieces, then <c>&lt;/s&gt;</c>, then
/// <c>&lt;pad&gt;</c> up to the sequence length; a longer prompt keeps its first length−1 pieces and the <c>&lt;/s&gt;</c>.
/// </summary>
internal sealed class T5Tokenizer
{
    public const string ModelFile = "spiece.model";

    private readonly SentencePieceTokenizer tokenizer;

    private T5Tokenizer(SentencePieceTokenizer tokenizer)
    {
        this.tokenizer = tokenizer;
        EndOfSentence = tokenizer.EndOfSentenceId;
        Pad = tokenizer.Vocabulary.TryGetValue("<pad>", out var pad) ? pad : 0;
    }

    public int EndOfSentence { get; }
    public int Pad { get; }

    public static T5Tokenizer Load(string tokenizerDirectory)
    {
        var path = Path.Combine(tokenizerDirectory, ModelFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{ModelFile} missing (the SentencePiece model of the T5 tokenizer).", path);
        }

        using var stream = new MemoryStream(WithBeginOfSentenceId(File.ReadAllBytes(path)));
        return new T5Tokenizer(SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false));
    }

    /// <summary>
    /// T5 has no &lt;s&gt; (<c>bos_id: -1</c>), which Microsoft.ML.Tokenizers 2.0.1's unigram model indexes with and
    /// fails on; an appended trainer_spec setting <c>bos_id</c> to the unknown id (protobuf merges repeated
    /// sub-messages, the last scalar wins) lets it load. BOS is never emitted, so the id is never produced.
    /// </summary>
    internal static byte[] WithBeginOfSentenceId(byte[] model)
    {
        const int trainerSpecField = 2, unknownIdField = 40, beginOfSentenceIdField = 41;
        int beginOfSentence = 1, unknown = 0;
        var input = new CodedInputStream(model);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != trainerSpecField)
            {
                input.SkipLastField();
                continue;
            }

            var spec = new CodedInputStream(input.ReadBytes().ToByteArray());
            uint inner;
            while ((inner = spec.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(inner))
                {
                    case beginOfSentenceIdField: beginOfSentence = spec.ReadInt32(); break;
                    case unknownIdField: unknown = spec.ReadInt32(); break;
                    default: spec.SkipLastField(); break;
                }
            }
        }

        if (beginOfSentence >= 0)
        {
            return model;
        }

        using var patched = new MemoryStream();
        patched.Write(model);
        var output = new CodedOutputStream(patched);
        using var specBytes = new MemoryStream();
        var specOutput = new CodedOutputStream(specBytes);
        specOutput.WriteTag(beginOfSentenceIdField, WireFormat.WireType.Varint);
        specOutput.WriteInt32(unknown);
        specOutput.Flush();
        output.WriteTag(trainerSpecField, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(specBytes.ToArray()));
        output.Flush();
        return patched.ToArray();
    }

    /// <summary>Exactly <paramref name="sequenceLength"/> ids: pieces, end-of-sentence, padding.</summary>
    public T5Tokens Encode(string text, int sequenceLength)
    {
        var pieces = tokenizer.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false);
        var kept = Math.Min(pieces.Count, sequenceLength - 1);
        var ids = new long[sequenceLength];
        Array.Fill(ids, Pad);
        for (var i = 0; i < kept; i++)
        {
            ids[i] = pieces[i];
        }

        ids[kept] = EndOfSentence;
        return new T5Tokens(ids, pieces.Count > kept);
    }
}
