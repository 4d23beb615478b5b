using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Tests.Web.Storage;

/// <summary>A portal on a given data folder, optionally with a key ring certificate, capturing its log.</summary>
public sealed class KeyRingPortal(string dataDirectory, string? certificatePath, string environment = "Production") : PortalFactory(dataDirectory)
{
    public CapturingLoggerProvider Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment(environment);
        // Host settings reach the configuration while services are registered, where Data Protection takes the certificate.
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        if (certificatePath is not null)
        {
            builder.UseSetting("Storage:KeyRingCertificatePath", certificatePath);
        }
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }
}

public sealed class KeyRingProtectionTests : IDisposable
{
    private const string Purpose = "KeyRingProtectionTests";
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));
    private readonly string certificateDirectory = Path.Combine(Path.GetTempPath(), "promptleo-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public void Certificate_NewKeys_HaveNoPlainMasterKeyOnDisk()
    {
        using var portal = new KeyRingPortal(dataDirectory, WriteCertificate());
        var protector = portal.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);

        Assert.Equal("payload", protector.Unprotect(protector.Protect("payload")));
        AssertKeysEncrypted();
        Assert.DoesNotContain(portal.Logs.Lines, l => l.Contains("stored unencrypted"));
    }

    [Fact]
    public void Certificate_AddedToExistingInstallation_EncryptsOldKeysWhichStillDecrypt()
    {
        string protectedPayload;
        using (var before = new KeyRingPortal(dataDirectory, certificatePath: null) { KeepDataOnDispose = true })
        {
            protectedPayload = before.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose).Protect("written before");
        }
        Assert.Contains(KeyFiles(), k => File.ReadAllText(k).Contains("<masterKey"));

        using var after = new KeyRingPortal(dataDirectory, WriteCertificate());
        var protector = after.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);

        AssertKeysEncrypted();
        Assert.Equal("written before", protector.Unprotect(protectedPayload));
    }

    [Fact]
    public void NoCertificate_InProduction_WarnsAtStart()
    {
        using var portal = new KeyRingPortal(dataDirectory, certificatePath: null);
        _ = portal.Services;

        Assert.Contains(portal.Logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal)
            && l.Contains("key ring") && l.Contains("stored unencrypted") && l.Contains("Storage:KeyRingCertificatePath"));
    }

    [Fact]
    public void NoCertificate_InDevelopment_DoesNotWarn()
    {
        using var portal = new KeyRingPortal(dataDirectory, certificatePath: null, environment: "Development");
        _ = portal.Services;

        Assert.DoesNotContain(portal.Logs.Lines, l => l.Contains("stored unencrypted"));
    }

    [Fact]
    public void CertificateInsideDataFolder_RefusesToStart()
    {
        Directory.CreateDirectory(dataDirectory);
        var inside = Path.Combine(dataDirectory, "keyring.pfx");
        File.Copy(WriteCertificate(), inside);
        using var portal = new KeyRingPortal(dataDirectory, inside);

        var error = Assert.Throws<InvalidOperationException>(() => portal.Services);
        Assert.Contains("outside the data folder", error.Message);
    }

    [Fact]
    public void CertificateMissing_RefusesToStartNamingTheSetting()
    {
        using var portal = new KeyRingPortal(dataDirectory, Path.Combine(certificateDirectory, "missing.pfx"));

        var error = Assert.Throws<InvalidOperationException>(() => portal.Services);
        Assert.Contains("Storage:KeyRingCertificatePath", error.Message);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void CertificateWithWrongPassword_IsRefusedNamingThePasswordSetting()
    {
        var path = WriteCertificate(password: "right-password");
        var options = new StorageOptions { DataDirectory = dataDirectory, KeyRingCertificatePath = path, KeyRingCertificatePassword = "wrong-password" };

        var error = Assert.Throws<InvalidOperationException>(() => KeyRingProtection.LoadCertificate(options, new DataPaths(dataDirectory), certificateDirectory));
        Assert.Contains("Storage:KeyRingCertificatePassword", error.Message);
        Assert.DoesNotContain("wrong-password", error.Message);
    }

    [Fact]
    public void CertificateWithoutRsaKey_IsRefused()
    {
        Directory.CreateDirectory(certificateDirectory);
        using var ecdsa = ECDsa.Create();
        using var certificate = new CertificateRequest("CN=not RSA", ecdsa, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(certificateDirectory, "ecdsa.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx));
        var options = new StorageOptions { DataDirectory = dataDirectory, KeyRingCertificatePath = path };

        var error = Assert.Throws<InvalidOperationException>(() => KeyRingProtection.LoadCertificate(options, new DataPaths(dataDirectory), certificateDirectory));
        Assert.Contains("RSA private key", error.Message);
    }

    /// <summary>A self-signed RSA certificate with its private key as a PFX outside the data folder.</summary>
    private string WriteCertificate(string? password = null) => WriteCertificate(certificateDirectory, password);

    /// <summary>A self-signed key ring certificate (PFX with its RSA key) in <paramref name="certificateDirectory"/>.</summary>
    internal static string WriteCertificate(string certificateDirectory, string? password = null)
    {
        Directory.CreateDirectory(certificateDirectory);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=PromptLeo key ring (test)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(certificateDirectory, "keyring.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return path;
    }

    private IEnumerable<string> KeyFiles() => Directory.EnumerateFiles(Path.Combine(dataDirectory, "keys"), "key-*.xml");

    private void AssertKeysEncrypted()
    {
        var keys = KeyFiles().Select(File.ReadAllText).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.DoesNotContain("<masterKey", xml);
            Assert.Contains("<encryptedSecret", xml);
            Assert.Contains("EncryptedData", xml);
        });
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var dir in new[] { dataDirectory, certificateDirectory })
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
