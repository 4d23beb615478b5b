using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace PromptLeo.Web.Features.Storage;

/// <summary>
/// Encryption at rest of the Data Protection key ring, whose master keys wrap every user's data key: a certificate
/// (PFX, kept outside the data folder) encrypts each key file. Without one, a warning is logged at start in Production.
/// With a shared key ring (Redis, several nodes) the keys of <c>&lt;data&gt;/keys</c> are copied into it at start, so
/// content wrapped before the switch stays readable.
/// </summary>
public sealed class KeyRingProtection(X509Certificate2? certificate, DataPaths paths, IHostEnvironment environment, ILoggerFactory loggers, IXmlRepository? keyRing = null)
{
    private static readonly XNamespace DataProtectionNamespace = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName RequiresEncryption = DataProtectionNamespace + "requiresEncryption";

    private readonly ILogger logger = loggers.CreateLogger<KeyRingProtection>();

    public bool IsProtected => certificate is not null;

    /// <summary>Loads the configured certificate, or null when none is configured; a wrong setting stops the start with the reason.</summary>
    public static X509Certificate2? LoadCertificate(StorageOptions options, DataPaths paths, string contentRoot)
    {
        if (string.IsNullOrWhiteSpace(options.KeyRingCertificatePath))
        {
            return null;
        }
        var path = Path.GetFullPath(options.KeyRingCertificatePath, contentRoot);
        if (paths.Contains(path))
        {
            throw new InvalidOperationException(
                $"Storage:KeyRingCertificatePath ({path}) must lie outside the data folder: a copy of the data folder would otherwise hold the keys and what protects them.");
        }
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Storage:KeyRingCertificatePath: {path} does not exist.");
        }
        X509Certificate2 loaded;
        try
        {
            loaded = X509CertificateLoader.LoadPkcs12FromFile(path, options.KeyRingCertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"Storage:KeyRingCertificatePath: {path} could not be opened as a PFX file with Storage:KeyRingCertificatePassword ({ex.Message}).", ex);
        }
        using var rsa = loaded.GetRSAPrivateKey();
        if (rsa is null)
        {
            throw new InvalidOperationException($"Storage:KeyRingCertificatePath: {path} must hold a certificate with its RSA private key.");
        }
        return loaded;
    }

    /// <summary>
    /// Encrypts key files written before a certificate was configured, or warns that the key ring is unprotected; then
    /// copies the key files into a shared key ring.
    /// </summary>
    public void Apply()
    {
        ProtectKeyFiles();
        if (keyRing is not null and not FileSystemXmlRepository)
        {
            ShareKeyFiles(keyRing);
        }
    }

    private void ProtectKeyFiles()
    {
        if (certificate is null)
        {
            if (environment.IsProduction())
            {
                logger.LogWarning(
                    "The Data Protection key ring in {KeyRing} is stored unencrypted: anyone who can read it can decrypt all user content. " +
                    "Set Storage:KeyRingCertificatePath to a PFX file outside the data folder (see docs/operations.md, \"Production\").",
                    paths.Keys);
            }
            return;
        }
        var encryptor = new CertificateXmlEncryptor(certificate, loggers);
        foreach (var file in Directory.EnumerateFiles(paths.Keys, "key-*.xml"))
        {
            EncryptPlainSecrets(file, encryptor);
        }
    }

    /// <summary>Adds each key file the shared key ring lacks (by key id); the files stay as they are.</summary>
    private void ShareKeyFiles(IXmlRepository shared)
    {
        var present = shared.GetAllElements().Select(e => (string?)e.Attribute("id")).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(paths.Keys, "key-*.xml"))
        {
            var key = XElement.Load(file);
            if ((string?)key.Attribute("id") is { } id && present.Add(id))
            {
                shared.StoreElement(key, Path.GetFileNameWithoutExtension(file));
                logger.LogInformation("Copied the Data Protection key {KeyFile} into the shared key ring", Path.GetFileName(file));
            }
        }
        if (certificate is not null && shared.GetAllElements().Any(e => e.Descendants().Any(d => (bool?)d.Attribute(RequiresEncryption) == true)))
        {
            logger.LogWarning("The shared key ring holds keys written before Storage:KeyRingCertificatePath was set; they stay unencrypted there");
        }
    }

    /// <summary>Replaces each plain secret in one key file with its encrypted form, as Data Protection writes new keys.</summary>
    private void EncryptPlainSecrets(string file, IXmlEncryptor encryptor)
    {
        var document = XDocument.Load(file);
        var plain = document.Descendants().Where(e => (bool?)e.Attribute(RequiresEncryption) == true).ToList();
        if (plain.Count == 0)
        {
            return;
        }
        foreach (var element in plain)
        {
            var encrypted = encryptor.Encrypt(element);
            element.ReplaceWith(new XElement(DataProtectionNamespace + "encryptedSecret",
                new XAttribute("decryptorType", encrypted.DecryptorType.AssemblyQualifiedName!),
                encrypted.EncryptedElement));
        }
        // Written beside the file and renamed, so a crash never leaves a half-written key.
        var temp = file + ".tmp";
        document.Save(temp);
        File.Move(temp, file, overwrite: true);
        logger.LogInformation("Encrypted the existing Data Protection key {KeyFile} with the key ring certificate", Path.GetFileName(file));
    }
}
