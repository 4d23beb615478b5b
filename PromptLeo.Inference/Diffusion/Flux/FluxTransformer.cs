using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace PromptLeo.Inference.Diffusion.Flux;

/// <summary>
/// The FLUX flow-matching transformer as optimum exports it. Names, ranks and element types are read from the
/// session: <c>hidden_states</c> [b,tokens,64], <c>encoder_hidden_states</c> [b,seq,4096], <c>pooled_projections</c>
/// [b,768], <c>timestep</c> [b] (σ, that is t/1000), <c>img_ids</c> [tokens,3] and <c>txt_ids</c> [seq,3] (rank 3 with
/// a batch dimension in exports before diffusers 0.31; int64 in optimum's, float in others), <c>guidance</c> [b]
/// when the model is guidance-distilled (FLUX.1-dev); output <c>out_hidden_states</c>, the velocity.
/// </summary>
internal sealed class FluxTransformer(InferenceSession session) : IDisposable
{
    public const string HiddenStatesName = "hidden_states";
    public const string EncoderHiddenStatesName = "encoder_hidden_states";
    public const string PooledProjectionsName = "pooled_projections";
    public const string TimestepName = "timestep";
    public const string ImageIdsName = "img_ids";
    public const string TextIdsName = "txt_ids";
    public const string GuidanceName = "guidance";
    public const string OutputName = "out_hidden_states";

    public static readonly string[] RequiredInputs = [HiddenStatesName, EncoderHiddenStatesName, PooledProjectionsName, TimestepName, ImageIdsName, TextIdsName];

    private readonly string outputName = session.OutputMetadata.ContainsKey(OutputName) ? OutputName : session.OutputMetadata.Keys.First();

    /// <summary>True for guidance-distilled transformers (FLUX.1-dev), which take the guidance scale as an input.</summary>
    public bool HasGuidance { get; } = session.InputMetadata.ContainsKey(GuidanceName);

    /// <summary>Features per packed token: 4 × the VAE's latent channels (64 for FLUX.1).</summary>
    public int PackedChannels { get; } = Dimension(session.InputMetadata[HiddenStatesName], 2) ?? 64;

    /// <summary>Text sequence length the export fixes, or null when it is symbolic.</summary>
    public int? TextSequenceLength { get; } = Dimension(session.InputMetadata[EncoderHiddenStatesName], 1);

    public TensorElementType HiddenStatesType { get; } = session.InputMetadata[HiddenStatesName].ElementDataType;

    public InferenceSession Session => session;

    /// <summary>
    /// Binds one request's inputs; <paramref name="latents"/> [b,tokens,4C] is bound as <c>hidden_states</c> itself
    /// (pinned for float32), so the step loop updates it in place and never copies it.
    /// </summary>
    public FluxTransformerRun CreateRun(float[] latents, int batch, int imageTokens, float[] imageIds, float[] textHidden, int textTokens, int jointWidth,
        float[] pooled, int pooledWidth, float guidance) =>
        new(this, latents, batch, imageTokens, imageIds, textHidden, textTokens, jointWidth, pooled, pooledWidth, guidance);

    internal static int? Dimension(NodeMetadata metadata, int axis) =>
        metadata.Dimensions.Length > axis && metadata.Dimensions[axis] > 0 ? metadata.Dimensions[axis] : null;

    public void Dispose() => session.Dispose();

    /// <summary>One request's bound tensors: the step loop updates the bound latents and reads <see cref="Output"/>.</summary>
    internal sealed class FluxTransformerRun : IDisposable
    {
        private readonly InferenceSession session;
        private readonly List<IDisposable> owned = [];
        private readonly OnnxTensorBinding hidden;
        private readonly OnnxTensorBinding timestep;
        private readonly OnnxTensorBinding output;
        private readonly string[] inputNames;
        private readonly OrtValue[] inputValues;
        private readonly string[] outputNames;
        private readonly OrtValue[] outputValues;

        public FluxTransformerRun(FluxTransformer transformer, float[] latents, int batch, int imageTokens, float[] imageIds, float[] textHidden, int textTokens, int jointWidth,
            float[] pooled, int pooledWidth, float guidance)
        {
            session = transformer.Session;
            var inputs = session.InputMetadata;
            try
            {
                hidden = Bind(HiddenStatesName, [batch, imageTokens, transformer.PackedChannels], latents);
                var encoder = Bind(EncoderHiddenStatesName, [batch, textTokens, jointWidth], textHidden);
                var pooledBinding = Bind(PooledProjectionsName, [batch, pooledWidth], pooled);
                timestep = Bind(TimestepName, inputs[TimestepName].Dimensions.Length == 0 ? [] : [batch]);
                var names = new List<string> { HiddenStatesName, EncoderHiddenStatesName, PooledProjectionsName, TimestepName, ImageIdsName, TextIdsName };
                var values = new List<OrtValue> { hidden.Value, encoder.Value, pooledBinding.Value, timestep.Value };
                values.Add(Ids(ImageIdsName, imageIds, imageTokens, batch));
                values.Add(Ids(TextIdsName, new float[textTokens * 3], textTokens, batch));
                encoder.Upload();
                pooledBinding.Upload();
                if (transformer.HasGuidance)
                {
                    var guidanceBinding = Bind(GuidanceName, [batch]);
                    guidanceBinding.Data.AsSpan().Fill(guidance);
                    guidanceBinding.Upload();
                    names.Add(GuidanceName);
                    values.Add(guidanceBinding.Value);
                }

                output = new OnnxTensorBinding(session.OutputMetadata[transformer.outputName].ElementDataType, [batch, imageTokens, transformer.PackedChannels]);
                owned.Add(output);
                inputNames = [.. names];
                inputValues = [.. values];
                outputNames = [transformer.outputName];
                outputValues = [output.Value];
            }
            catch
            {
                Dispose();
                throw;
            }

            OnnxTensorBinding Bind(string name, long[] shape, float[]? data = null)
            {
                var binding = new OnnxTensorBinding(inputs[name].ElementDataType, shape, data);
                owned.Add(binding);
                return binding;
            }

            // Position ids: [tokens,3], or [b,tokens,3] in older exports; integer or floating as the export declares.
            OrtValue Ids(string name, float[] ids, int tokens, int rows)
            {
                var metadata = inputs[name];
                var batched = metadata.Dimensions.Length == 3;
                long[] shape = batched ? [rows, tokens, 3] : [tokens, 3];
                var values = batched ? Enumerable.Repeat(ids, rows).SelectMany(v => v).ToArray() : ids;
                OrtValue value;
                switch (metadata.ElementDataType)
                {
                    case TensorElementType.Int64:
                        value = OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(values, v => (long)v), shape);
                        break;
                    case TensorElementType.Int32:
                        value = OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(values, v => (int)v), shape);
                        break;
                    default:
                        var binding = Bind(name, shape, values);
                        binding.Upload();
                        return binding.Value;
                }

                owned.Add(value);
                return value;
            }
        }

        /// <summary>The predicted velocity after <see cref="Run"/>, [b,tokens,4C] like the latents.</summary>
        public float[] Output => output.Data;

        /// <summary>One transformer call at noise level <paramref name="sigma"/> (diffusers passes timestep/1000).</summary>
        public void Run(float sigma, RunOptions runOptions)
        {
            timestep.Data.AsSpan(0, timestep.Shape.Length == 0 ? 1 : (int)timestep.Shape[0]).Fill(sigma);
            timestep.Upload();
            hidden.Upload();
            session.Run(runOptions, inputNames, inputValues, outputNames, outputValues);
            output.Download();
        }

        public void Dispose()
        {
            foreach (var item in owned)
            {
                item.Dispose();
            }
        }
    }
}
