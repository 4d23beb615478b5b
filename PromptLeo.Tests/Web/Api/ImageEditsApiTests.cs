using System.Net;
using System.Text.Json;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web.Api;

public sealed class ImageEditsApiTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    private static MultipartFormDataContent Form(string model, bool withMask)
    {
        var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(TestImages.Gradient(64, 64)), "image", "in.png");
        if (withMask)
        {
            form.Add(new ByteArrayContent(TestImages.RightHalfMask(64, 64)), "mask", "mask.png");
        }
        form.Add(new StringContent(model), "model");
        form.Add(new StringContent("a watercolor"), "prompt");
        form.Add(new StringContent("64x64"), "size");
        form.Add(new StringContent("2"), "steps");
        form.Add(new StringContent("0.6"), "strength");
        form.Add(new StringContent("7"), "seed");
        return form;
    }

    [Theory]
    [InlineData("demo-sd-tiny", false)]
    [InlineData("demo-sd-tiny-inpainting", true)]
    public async Task Edit_Img2ImgAndInpaint_ReturnPngAndMeterOnePurpose(string model, bool withMask)
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/images/edits", Form(model, withMask));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var png = Convert.FromBase64String(doc.RootElement.GetProperty("data")[0].GetProperty("b64_json").GetString()!);
        Assert.Equal(64, TestImages.Decode(png).Width);
        var usage = Assert.Single(await factory.UsageEventsAsync(userId));
        Assert.Equal(1, usage.ImageCount);
        Assert.Equal("image-edit", Assert.Single(await factory.RecordsAsync(userId)).Purpose);
    }

    [Fact]
    public async Task Edit_WrongTypedFormField_Returns400()
    {
        var (client, _, _) = await factory.CreateApiClientAsync();
        var form = Form("demo-sd-tiny", false);
        form.Add(new StringContent("many"), "n");
        var response = await client.PostAsync("/v1/images/edits", form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("n", doc.RootElement.GetProperty("error").GetProperty("param").GetString());
    }
}
