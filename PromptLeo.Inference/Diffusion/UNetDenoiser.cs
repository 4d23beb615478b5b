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
        if (TimestepType is not (TensorElementType.Int64 or TensorElementType.Int32 or TensorElementType.Float or TensorElementType.Double))
        {
            throw new Models.ModelLoadException($"unet/model.onnx: input 'timestep' has unsupported element type {TimestepType}.");
        }

        if (session.InputMetadata.TryGetValue(TimestepCondName, out var cond))
        {
            TimestepCondSize = cond.Dimensions.Length == 2 && cond.Dimensions[1] > 0 ? cond.Dimensions[1] : 256;
        }
    }

    /// <summary>4 for text-to-image UNets, 9 for inpainting UNets (latents, mask, masked-image latents).</summary>
    public int InChannels { get; }
    public TensorElementType TimestepType { get; }
    public int TimestepRank { get; }
    public bool TimestepPerSample { get; }
    public int TimestepCondSize { get; }

    /// <summary>Creates the per-request buffers and pinned ORT values for <paramref name="batch"/> UNet rows.</summary>
    public UNetRun CreateRun(int batch, int latentHeight, int latentWidth, float[] hiddenStates, int hiddenSize, float guidanceScale) =>
        new(this, session, batch, latentHeight, latentWidth, hiddenStates, hiddenSize, guidanceScale);

    public void Dispose() => session.Dispose();
}

/// <summary>Buffers of one generation; <see cref="Run"/> allocates no tensors.</summary>
internal sealed class UNetRun : IDisposable
{
    private readonly InferenceSession session;
    private readonly UNetDenoiser unet;
    private readonly OrtValue[] inputs;
    private readonly string[] inputNames;
    private readonly OrtValue[] outputs;
    private readonly string[] outputNames = [UNetDenoiser.OutputName];
    private readonly Array timestepBuffer;

    public UNetRun(UNetDenoiser unet, InferenceSession session, int batch, int latentHeight, int latentWidth, float[] hiddenStates, int hiddenSize, float guidanceScale)
    {
        this.unet = unet;
        this.session = session;
        Sample = new float[batch * unet.InChannels * latentHeight * latentWidth];
        Output = new float[batch * 4 * latentHeight * latentWidth];
        var timestepCount = unet.TimestepPerSample ? batch : 1;
        long[] timestepShape = unet.TimestepRank == 0 ? [] : [timestepCount];
        timestepBuffer = unet.TimestepType switch
        {
            TensorElementType.Int64 => new long[timestepCount],
            TensorElementType.Int32 => new int[timestepCount],
            TensorElementType.Double => new double[timestepCount],
            _ => new float[timestepCount],
        };

        var names = new List<string> { UNetDenoiser.SampleName, UNetDenoiser.TimestepName, UNetDenoiser.HiddenStatesName };
        var values = new List<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(Sample, [batch, unet.InChannels, latentHeight, latentWidth]),
            timestepBuffer switch
            {
                long[] l => OrtValue.CreateTensorValueFromMemory(l, timestepShape),
                int[] i => OrtValue.CreateTensorValueFromMemory(i, timestepShape),
                double[] d => OrtValue.CreateTensorValueFromMemory(d, timestepShape),
                float[] f => OrtValue.CreateTensorValueFromMemory(f, timestepShape),
                _ => throw new InvalidOperationException(),
            },
            OrtValue.CreateTensorValueFromMemory(hiddenStates, [batch, ClipTokenizer.SequenceLength, hiddenSize]),
        };
        if (unet.TimestepCondSize > 0)
        {
            names.Add(UNetDenoiser.TimestepCondName);
            values.Add(OrtValue.CreateTensorValueFromMemory(GuidanceEmbedding(guidanceScale, unet.TimestepCondSize, batch), [batch, unet.TimestepCondSize]));
        }

        inputNames = [.. names];
        inputs = [.. values];
        outputs = [OrtValue.CreateTensorValueFromMemory(Output, [batch, 4, latentHeight, latentWidth])];
    }

    /// <summary>UNet input, [batch, InChannels, h, w]; the pipeline writes the scaled latents (and inpainting planes) here.</summary>
    public float[] Sample { get; }

    /// <summary>UNet output (noise or v prediction), [batch, 4, h, w].</summary>
    public float[] Output { get; }

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

        session.Run(runOptions, inputNames, inputs, outputNames, outputs);
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

    public void Dispose()
    {
        foreach (var value in inputs)
        {
            value.Dispose();
        }

        outputs[0].Dispose();
        _ = unet;
    }
}
