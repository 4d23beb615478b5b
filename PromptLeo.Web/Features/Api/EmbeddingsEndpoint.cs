using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Models;
using PromptLeo.Web.Features.Metering;
using static PromptLeo.Web.Features.Api.ApiRequestBody;

namespace PromptLeo.Web.Features.Api;

/// <summary>
/// POST /v1/embeddings as OpenAI defines it: text input (a string or an array of strings), <c>encoding_format</c> float or
/// base64 (little-endian float32), <c>dimensions</c> for Matryoshka models. One metered request per call; neither the
/// texts nor the vectors are stored or logged.
/// </summary>
public sealed class EmbeddingsEndpoint(
    IModelRegistry registry,
    MeteredEmbeddings embeddings,
    IOptions<ApiOptions> options,
    ILogger<EmbeddingsEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        var caller = ApiCallerContext.From(context);
        var requestId = OpenAiErrors.RequestId(context);
        OpenAiErrors.StampHeaders(context);
        var body = await ReadJsonAsync(context, options.Value.MaxJsonBodyBytes);
        var model = RequiredString(body, "model");
        var inputs = Inputs(body, options.Value.MaxEmbeddingInputs);
        var base64 = String(body, "encoding_format") switch
        {
            null or "float" => false,
            "base64" => true,
            _ => throw ApiException.Invalid("encoding_format", "'encoding_format' must be 'float' or 'base64'.", "invalid_value"),
        };
        var dimensions = Integer(body, "dimensions") switch
        {
            null => (int?)null,
            >= 1 and <= int.MaxValue and var d => (int)d,
            _ => throw ApiException.Invalid("dimensions", "'dimensions' must be a positive integer.", "invalid_value"),
        };
        // 'user' is accepted as OpenAI's API does, and not stored: it is an end-user identifier.
        _ = String(body, "user");
        if (registry.Get(model) is not { Manifest.Kind: ModelKind.Embedding })
        {
            throw new ModelNotFoundException(model);
        }

        var started = Stopwatch.GetTimestamp();
        var result = await embeddings.EmbedAsync(caller.Principal, model, inputs, dimensions, requestId, context.RequestAborted);
        logger.LogInformation("Embeddings {RequestId} on {ModelId}: {InputCount} inputs, {PromptTokens} tokens in {ElapsedMs} ms",
            requestId, model, inputs.Count, result.PromptTokens, (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds);

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body, ChatCompletionWriter.WriterOptions);
        json.WriteStartObject();
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        for (var i = 0; i < result.Vectors.Count; i++)
        {
            json.WriteStartObject();
            json.WriteString("object", "embedding");
            json.WriteNumber("index", i);
            if (base64)
            {
                json.WriteBase64String("embedding", LittleEndianBytes(result.Vectors[i]));
            }
            else
            {
                json.WriteStartArray("embedding");
                foreach (var value in result.Vectors[i])
                {
                    json.WriteNumberValue(value);
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("model", registry.Get(model)?.Manifest.Id ?? model);
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", result.PromptTokens);
        json.WriteNumber("total_tokens", result.PromptTokens);
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(CancellationToken.None);
    }

    /// <summary>'input': a string or an array of strings; token arrays are refused with a 400 naming the field.</summary>
    private static IReadOnlyList<string> Inputs(JsonElement body, int maxInputs)
    {
        var input = Get(body, "input") ?? throw ApiException.Invalid("input", "'input' is required.", "missing_required_parameter");
        if (input.ValueKind == JsonValueKind.String)
        {
            return [NonEmpty(input.GetString()!, "input")];
        }
        if (input.ValueKind != JsonValueKind.Array)
        {
            throw WrongType("input", "a string or an array of strings");
        }
        var count = input.GetArrayLength();
        if (count == 0)
        {
            throw ApiException.Invalid("input", "'input' must not be an empty array.", "invalid_value");
        }
        if (count > maxInputs)
        {
            throw ApiException.Invalid("input", $"'input' has {count} items; at most {maxInputs} are accepted per request.", "too_many_inputs");
        }
        var texts = new List<string>(count);
        foreach (var item in input.EnumerateArray())
        {
            var param = $"input[{texts.Count}]";
            texts.Add(item.ValueKind switch
            {
                JsonValueKind.String => NonEmpty(item.GetString()!, param),
                JsonValueKind.Number or JsonValueKind.Array => throw ApiException.Invalid("input",
                    "Token arrays are not supported: token ids differ between models; send the text instead.", "unsupported_input"),
                _ => throw WrongType(param, "a string"),
            });
        }
        return texts;
    }

    private static string NonEmpty(string text, string param) =>
        text.Length > 0 ? text : throw ApiException.Invalid(param, $"'{param}' must not be an empty string.", "invalid_value");

    private static byte[] LittleEndianBytes(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        }
        return bytes;
    }
}
