// Key Vault for the app registration's client secret or certificate (and the optional mask hash
// key, webhook auth id and proxy URL). RBAC authorization only: the app's identity gets Key Vault
// Secrets User (see rbac.bicep); operators need Key Vault Secrets Officer to write secrets.
// The secret values are never part of this template: they are set with `az keyvault secret set`.
// Purge protection keeps a deleted vault's name reserved for softDeleteRetentionInDays: a resource
// group deleted and created again within that time collides with it (docs/deploy.md "Key Vault name").

@description('Key Vault name (3-24 characters, globally unique).')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the vault.')
param tags object = {}

@description('Days a deleted vault or secret stays recoverable (7-90). Cannot be changed later.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Resource id of the Log Analytics workspace receiving the vault\'s audit events.')
param workspaceId string

@description('Private networking: public network access disabled; reachable only through a private endpoint.')
param privateNetworking bool = false

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
  }
}

// Key Vault resource logs: category AuditEvent records every secret read (the app resolving its Key
// Vault references), write and denied attempt, with the caller's identity (Microsoft Learn,
// "Key Vault logging").
resource auditLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
