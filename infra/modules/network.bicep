// Private networking (deployed only with privateNetworking=true): a virtual network with a subnet
// delegated to Microsoft.App/environments for the Flex Consumption app's VNet integration (the
// delegation Flex Consumption requires), a subnet for private endpoints, private endpoints for the
// storage account's blob, queue and table services and for the Key Vault, and the private DNS zones
// that make the services' normal host names resolve to those endpoints inside the network.
// Zone names follow the cloud (environment().suffixes), as Microsoft Learn "Azure Private Endpoint
// private DNS zone values" lists them: privatelink.blob.<storage suffix>, ..., privatelink.vaultcore.<...>.
// Trade-offs (operators' own access, cost, what only a deployment shows): docs/deploy.md "Private networking".

@description('Prefix of the resource names.')
param namePrefix string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Address space of the virtual network.')
param addressPrefix string

@description('Subnet of the app\'s VNet integration (at least /27; delegated to Microsoft.App/environments).')
param appSubnetPrefix string

@description('Subnet of the private endpoints.')
param endpointSubnetPrefix string

@description('Resource id of the storage account.')
param storageAccountId string

@description('Resource id of the Key Vault.')
param keyVaultId string

var storageSuffix = environment().suffixes.storage
// environment().suffixes.keyvaultDns is '.vault.azure.net' (public), '.vault.usgovcloudapi.net',
// '.vault.azure.cn'; the private zone is privatelink.vaultcore.<same domain>.
var vaultZone = 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'

var endpoints = [
  {
    name: 'blob'
    target: storageAccountId
    zone: 'privatelink.blob.${storageSuffix}'
  }
  {
    name: 'queue'
    target: storageAccountId
    zone: 'privatelink.queue.${storageSuffix}'
  }
  {
    name: 'table'
    target: storageAccountId
    zone: 'privatelink.table.${storageSuffix}'
  }
  {
    name: 'vault'
    target: keyVaultId
    zone: vaultZone
  }
]

resource vnet 'Microsoft.Network/virtualNetworks@2023-11-01' = {
  name: 'vnet-${namePrefix}'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [addressPrefix]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: appSubnetPrefix
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: endpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [
  for e in endpoints: {
    name: e.zone
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = [
  for (e, i) in endpoints: {
    parent: zones[i]
    name: 'link-${namePrefix}'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2023-11-01' = [
  for e in endpoints: {
    name: 'pe-${namePrefix}-${e.name}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: vnet.properties.subnets[1].id
      }
      privateLinkServiceConnections: [
        {
          name: e.name
          properties: {
            privateLinkServiceId: e.target
            groupIds: [e.name]
          }
        }
      ]
    }
  }
]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01' = [
  for (e, i) in endpoints: {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: e.name
          properties: {
            privateDnsZoneId: zones[i].id
          }
        }
      ]
    }
  }
]

output appSubnetId string = vnet.properties.subnets[0].id
output vnetId string = vnet.id
