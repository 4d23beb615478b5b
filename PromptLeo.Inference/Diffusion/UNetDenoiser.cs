using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PromptLeo.Inference.Diffusion;

/// <summary>
/// The UNet: <c>sample</c> [n,4|9,h,w] + <c>timestep</c> + <c>encoder_hidden_states</c> [n,77,C] to <c>out_sample</c>.
/// The timestep's element type and rank are read from the session metadata because exports differ
/// (int64 [1], float [n], float scalar ...). An optional <c>timestep_cond</c> (LCM) gets the guidance embedding.
/// </summary>
internal sealed class UNetDenoiser : IDisposable
{
    public const string SampleName = "sample";
    public const string TimestepName = "timestep";
    public const string HiddenStatesName = "encoder_hidden_states";
    public const string OutputName = "out_sample";
    public const string TimestepCondName = "timestep_cond";

    private readonly InferenceSession session;

    public UNetDenoiser(InferenceSession session)
    {
        this.session = session;
        var sample = session.InputMetadata[SampleName];
        InChannels = sample.Dimensions.Length == 4 && sample.Dimensions[1] > 0 ? sample.Dimensions[1] : 4;
        var timestep = session.InputMetadata[TimestepName];
        TimestepType = timestep.ElementDataType;
        TimestepRank = timestep.Dimensions.Length;
        // A fixed first dimension (usually [1]) takes one value; a dynamic one takes a value per batch entry.
        TimestepPerSample = TimestepRank == 1 && timestep.Dimensions[0] != 1;
        if (TimestepType is not (TensorElementType.Int64 or TensorElementType.Int32 or TensorElementType.Float or TensorElementType.Double or TensorElementType.Float16))
        {
            throw new Models.ModelLoadException($"unet/model.onnx: input 'timestep' has unsupported element type {TimestepType}.");
        }

        SampleType = sample.ElementDataType;
        HiddenStatesType = session.InputMetadata[HiddenStatesName].ElementDataType;
        OutputType = session.OutputMetadata[OutputName].ElementDataType;
        foreach (var (name, type) in new[] { (SampleName, SampleType), (HiddenStatesName, HiddenStatesType), (OutputName, OutputType) })
        {
            if (!OnnxTensorTypes.IsFloating(type))
            {
                throw new Models.ModelLoadException($"unet/model.onnx: '{name}' has element type {type}; float, float16 and bfloat16 are supported.");
            }
        }

        if (session.InputMetadata.TryGetValue(TimestepCondName, out var cond))
        {
            TimestepCondSize = cond.Dimensions.Length == 2 && cond.Dimensions[1] > 0 ? cond.Dimensions[1] : 256;
            TimestepCondType = cond.ElementDataType;
        }
    }

    /// <summary>4 for text-to-image UNets, 9 for inpainting UNets (latents, mask, masked-image latents).</summary>
    public int InChannels { get; }
    public TensorElementType TimestepType { get; }
    public int TimestepRank { get; }
    public bool TimestepPerSample { get; }
    public int TimestepCondSize { get; }
    public TensorElementType TimestepCondType { get; } = TensorElementType.Float;
    /// <summary>Element types of the latent input, the text conditioning and the output (float32, float16 or bfloat16).</summary>
    public TensorElementType SampleType { get; }
    public TensorElementType HiddenStatesType { get; }
    public TensorElementType OutputType { get; }

    /// <summary>Creates the per-request buffers and pinned ORT values for <paramref name="batch"/> UNet rows.</summary>
    public UNetRun CreateRun(int batch, int latentHeight, int latentWidth, float[] hiddenStates, int hiddenSize, float guidanceScale,
        IReadOnlyList<(string Name, OnnxTensorBinding Binding)>? extraInputs = null) =>
        new(this, session, batch, latentHeight, latentWidth, hiddenStates, hiddenSize, guidanceScale, extraInputs);

    /// <summary>The session's input metadata, for conditioning inputs a family adds (SDXL's <c>text_embeds</c>, <c>time_ids</c>).</summary>
    public IReadOnlyDictionary<string, NodeMetadata> InputMetadata => session.InputMetadata;

    public void Dispose() => session.Dispose();
}

/// <summary>Buffers of one generation; <see cref="Run"/> allocates no tensors.</summary>
internal sealed class UNetRun : IDisposable
{
    private readonly InferenceSession session;
    private readonly OnnxTensorBinding sample;
    private readonly OnnxTensorBinding output;
    private readonly List<IDisposable> owned = [];
    private readonly OrtValue[] inputs;
    private readonly string[] inputNames;
    private readonly OrtValue[] outputs;
    private readonly string[] outputNames = [UNetDenoiser.OutputName];
    private readonly Array timestepBuffer;
    private readonly OnnxTensorBinding? timestepHalf;

    // extraInputs: further conditioning (for example SDXL's text_embeds and time_ids), uploaded once, owned and disposed by the run.
    public UNetRun(UNetDenoiser unet, InferenceSession session, int batch, int latentHeight, int latentWidth, float[] hiddenStates, int hiddenSize, float guidanceScale,
        IReadOnlyList<(string Name, OnnxTensorBinding Binding)>? extraInputs = null)
    {
        this.session = session;
        sample = Own(new OnnxTensorBinding(unet.SampleType, [batch, unet.InChannels, latentHeight, latentWidth]));
        output = Own(new OnnxTensorBinding(unet.OutputType, [batch, 4, latentHeight, latentWidth]));
        var timestepCount = unet.TimestepPerSample ? batch : 1;
        long[] timestepShape = unet.TimestepRank == 0 ? [] : [timestepCount];
        timestepBuffer = unet.TimestepType switch
        {
            TensorElementType.Int64 => new long[timestepCount],
            TensorElementType.Int32 => new int[timestepCount],
            TensorElementType.Double => new double[timestepCount],
            _ => new float[timestepCount],
        };
        if (unet.TimestepType == TensorElementType.Float16)
        {
            timestepHalf = Own(new OnnxTensorBinding(TensorElementType.Float16, timestepShape, (float[])timestepBuffer));
        }

        var text = Own(new OnnxTensorBinding(unet.HiddenStatesType, [batch, ClipTokenizer.SequenceLength, hiddenSize], hiddenStates));
        text.Upload();
        var names = new List<string> { UNetDenoiser.SampleName, UNetDenoiser.TimestepName, UNetDenoiser.HiddenStatesName };
        var values = new List<OrtValue>
        {
            sample.Value,
            timestepHalf?.Value ?? Own(timestepBuffer switch
            {
                long[] l => OrtValue.CreateTensorValueFromMemory(l, timestepShape),
                int[] i => OrtValue.CreateTensorValueFromMemory(i, timestepShape),
                double[] d => OrtValue.CreateTensorValueFromMemory(d, timestepShape),
                float[] f => OrtValue.CreateTensorValueFromMemory(f, timestepShape),
                _ => throw new InvalidOperationException(),
            }),
            text.Value,
        };
        if (unet.TimestepCondSize > 0)
        {
            var cond = Own(new OnnxTensorBinding(unet.TimestepCondType, [batch, unet.TimestepCondSize], GuidanceEmbedding(guidanceScale, unet.TimestepCondSize, batch)));
            cond.Upload();
            names.Add(UNetDenoiser.TimestepCondName);
            values.Add(cond.Value);
        }

        foreach (var (name, binding) in extraInputs ?? [])
        {
            Own(binding).Upload();
            names.Add(name);
            values.Add(binding.Value);
        }

        inputNames = [.. names];
        inputs = [.. values];
        outputs = [output.Value];
    }

    /// <summary>UNet input, [batch, InChannels, h, w]; the pipeline writes the scaled latents (and inpainting planes) here.</summary>
    public float[] Sample => sample.Data;

    /// <summary>UNet output (noise or v prediction), [batch, 4, h, w].</summary>
    public float[] Output => output.Data;

    public void Run(double timestep, RunOptions runOptions)
    {
        switch (timestepBuffer)
        {
            // Integer exports get the truncated value, as numpy's astype in diffusers' ONNX pipeline does.
            case long[] l: l.AsSpan().Fill((long)timestep); break;
            case int[] i: i.AsSpan().Fill((int)timestep); break;
            case double[] d: d.AsSpan().Fill(timestep); break;
            case float[] f: f.AsSpan().Fill((float)timestep); break;
        }

        timestepHalf?.Upload();
        sample.Upload();
        session.Run(runOptions, inputNames, inputs, outputNames, outputs);
        output.Download();
    }

    /// <summary>LCM's w-embedding of (guidance − 1)·1000: [sin, cos] of log-spaced frequencies.</summary>
    private static float[] GuidanceEmbedding(float guidanceScale, int size, int batch)
    {
        var w = (guidanceScale - 1) * 1000.0;
        var half = size / 2;
        var embedding = new float[batch * size];
        var factor = Math.Log(10000.0) / (half - 1);
        for (var b = 0; b < batch; b++)
        {
            for (var i = 0; i < half; i++)
            {
                var angle = w * Math.Exp(-factor * i);
                embedding[b * size + i] = (float)Math.Sin(angle);
                embedding[b * size + half + i] = (float)Math.Cos(angle);
            }
        }

        return embedding;
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        foreach (var value in owned)
        {
            value.Dispose();
        }
    }
}
