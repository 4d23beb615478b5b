using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using PromptLeo.Inference.Models;

namespace PromptLeo.Inference.Diffusion;

/// <summary>Opens one ONNX file of a model folder and checks its signature, with errors that name the file and the input.</summary>
internal static class OnnxModelFile
{
    public static InferenceSession Open(string modelDirectory, string relativePath, SessionOptions options, string[] requiredInputs, string[] requiredOutputs)
    {
        var path = Path.Combine(modelDirectory, relativePath);
        if (!File.Exists(path))
        {
            throw new ModelLoadException($"{relativePath}: file missing.");
        }

        InferenceSession session;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException($"{relativePath}: ONNX Runtime cannot load the file ({FirstLine(ex.Message)}).", ex);
        }

        try
        {
            Require(relativePath, "input", session.InputMetadata, requiredInputs);
            Require(relativePath, "output", session.OutputMetadata, requiredOutputs);
            foreach (var (name, metadata) in session.InputMetadata)
            {
                if (metadata.IsTensor && metadata.ElementDataType == TensorElementType.Float16)
                {
                    throw new ModelLoadException($"{relativePath}: input '{name}' is float16; only float32 exports are supported.");
                }
            }
        }
        catch
        {
            session.Dispose();
            throw;
        }

        return session;
    }

    private static void Require(string file, string kind, IReadOnlyDictionary<string, NodeMetadata> metadata, string[] names)
    {
        foreach (var name in names)
        {
            if (!metadata.ContainsKey(name))
            {
                throw new ModelLoadException($"{file}: {kind} '{name}' missing (has: {string.Join(", ", metadata.Keys)}).");
            }
        }
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] : line;
    }
}
