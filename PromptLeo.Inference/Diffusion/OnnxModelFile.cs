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
            throw new ModelLoadException(
                ExternalDataProblem(modelDirectory, relativePath) ?? $"{relativePath}: ONNX Runtime cannot load the file ({FirstLine(ex.Message)}).", ex);
        }

        try
        {
            Require(relativePath, "input", session.InputMetadata, requiredInputs);
            Require(relativePath, "output", session.OutputMetadata, requiredOutputs);
            foreach (var name in requiredInputs.Concat(requiredOutputs))
            {
                // Floating tensors are converted to and from float32 (OnnxTensorBinding); ids and timesteps are integers.
                var metadata = session.InputMetadata.TryGetValue(name, out var input) ? input : session.OutputMetadata[name];
                if (metadata.IsTensor && metadata.ElementDataType is not (TensorElementType.Float or TensorElementType.Float16
                        or TensorElementType.BFloat16 or TensorElementType.Double or TensorElementType.Int32 or TensorElementType.Int64))
                {
                    throw new ModelLoadException($"{relativePath}: '{name}' has element type {metadata.ElementDataType}; float, float16, bfloat16 and integer tensors are supported.");
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

    /// <summary>
    /// Names a missing or short external data file (<c>model.onnx_data</c> of models over 2 GB), which ONNX Runtime
    /// reports only as a generic load error. Read only after a failed load: the graph without its weights is small.
    /// </summary>
    internal static string? ExternalDataProblem(string modelDirectory, string relativePath)
    {
        Onnx.ModelProto model;
        try
        {
            using var stream = File.OpenRead(Path.Combine(modelDirectory, relativePath));
            if (stream.Length > int.MaxValue)
            {
                return null;
            }

            model = Onnx.ModelProto.Parser.ParseFrom(stream);
        }
        catch (Exception ex) when (ex is Google.Protobuf.InvalidProtocolBufferException or IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var folder = Path.GetDirectoryName(relativePath) ?? "";
        foreach (var tensor in model.Graph?.Initializer.Where(t => t.DataLocation == Onnx.TensorProto.Types.DataLocation.External) ?? [])
        {
            var entries = tensor.ExternalData.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.First().Value);
            if (!entries.TryGetValue("location", out var location))
            {
                continue;
            }

            var dataPath = Path.Combine(folder, location).Replace('\\', '/');
            var info = new FileInfo(Path.Combine(modelDirectory, dataPath));
            if (!info.Exists)
            {
                return $"{dataPath}: external data file missing ({relativePath} keeps its weights there).";
            }

            var end = Number(entries, "offset") + Number(entries, "length");
            if (info.Length < end)
            {
                return $"{dataPath}: external data file too short ({info.Length} bytes; {relativePath} needs {end}).";
            }
        }

        return null;

        static long Number(Dictionary<string, string> entries, string key) =>
            entries.TryGetValue(key, out var text) && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : 0;
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
