using System.Text.Json;
using System.Text.Json.Nodes;
using PromptLeo.Web.Features.Metering;

namespace PromptLeo.Web.Features.RemoteInference;

/// <summary>Generates images on a remote endpoint (<c>POST /images/generations</c>, <c>b64_json</c>); an answer without PNGs fails the request.</summary>
public sealed class RemoteImageClient(RemoteCall remote) : IRemoteImageClient
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public async Task<IReadOnlyList<byte[]>> GenerateAsync(JsonObject body, CancellationToken cancellationToken)
    {
        var modelId = body["model"]?.GetValue<string>() ?? "";
        using var response = await remote.SendAsync("/images/generations", JsonSerializer.SerializeToUtf8Bytes(body), modelId, "application/json", cancellationToken);
        var images = new List<byte[]>();
        try
        {
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            foreach (var item in json.RootElement.GetProperty("data").EnumerateArray())
            {
                var png = item.GetProperty("b64_json").GetBytesFromBase64();
                images.Add(png.AsSpan().StartsWith(PngSignature) ? png : throw new FormatException("not a PNG"));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw remote.Fail(StatusCodes.Status502BadGateway, "remote_invalid_response", new("The inference node did not answer with PNG images."), ex);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            throw remote.Fail(StatusCodes.Status502BadGateway, "remote_disconnected", new("The connection to the inference node broke during the answer."), ex);
        }
        if (images.Count == 0)
        {
            throw remote.Fail(StatusCodes.Status502BadGateway, "remote_invalid_response", new("The inference node answered without images."));
        }
        remote.Succeeded();
        return images;
    }
}
