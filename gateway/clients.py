"""gRPC clients of the services, called on behalf of the HTTP caller (tenant, actor, request id)."""

from __future__ import annotations

import grpc
from google.protobuf.json_format import MessageToDict
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.auth import client_address
from jiceng.content.v1 import (
    app_pb2_grpc,
    chat_pb2_grpc,
    education_pb2_grpc,
    forum_pb2_grpc,
    inbox_pb2_grpc,
    knowledge_pb2_grpc,
    microblog_pb2_grpc,
    notice_pb2_grpc,
    poll_pb2_grpc,
    search_pb2_grpc,
    service_request_pb2_grpc,
    site_pb2_grpc,
)
from jiceng.geo.v1 import geo_pb2_grpc
from jiceng.identity.v1 import federation_pb2_grpc as identity_federation_pb2_grpc
from jiceng.identity.v1 import identity_pb2_grpc
from jiceng.media.v1 import call_pb2_grpc, channel_pb2_grpc, media_pb2_grpc
from jiceng.orgs.v1 import federation_pb2_grpc as orgs_federation_pb2_grpc
from jiceng.orgs.v1 import io_pb2_grpc, life_pb2_grpc, network_pb2_grpc, orgs_pb2_grpc, transfer_pb2_grpc
from jiceng.privacy.v1 import privacy_pb2_grpc
from jiceng.sms.v1 import sms_pb2_grpc
from kernel import context, logs
from kernel.errors import from_rpc_error


class Services:
    def __init__(self, region: str, addresses: dict[str, str], timeout: float, running: list[str] | None = None):
        self.region = region
        self.timeout = timeout
        self.running = running or list(addresses)  # the ones this deployment runs: /readyz checks these
        # Replies may carry an exported roster (a few MB): more than gRPC's default 4 MiB.
        options = [
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.enable_retries", 1),
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
        ]
        self._channels = {name: grpc.aio.insecure_channel(addr, options=options) for name, addr in addresses.items()}
        self.identity = identity_pb2_grpc.IdentityServiceStub(self._channels["identity"])
        self.identity_federation = identity_federation_pb2_grpc.FederationServiceStub(self._channels["identity"])
        self.orgs_federation = orgs_federation_pb2_grpc.FederationServiceStub(self._channels["orgs"])
        self.orgs = orgs_pb2_grpc.OrgServiceStub(self._channels["orgs"])
        self.org_life = life_pb2_grpc.OrgLifeServiceStub(self._channels["orgs"])
        self.transfers = transfer_pb2_grpc.TransferServiceStub(self._channels["orgs"])
        self.network = network_pb2_grpc.NetworkServiceStub(self._channels["orgs"])
        self.orgs_io = io_pb2_grpc.ImportServiceStub(self._channels["orgs"])
        self.forums = forum_pb2_grpc.ForumServiceStub(self._channels["content"])
        self.notices = notice_pb2_grpc.NoticeServiceStub(self._channels["content"])
        self.polls = poll_pb2_grpc.PollServiceStub(self._channels["content"])
        self.microblog = microblog_pb2_grpc.MicroblogServiceStub(self._channels["content"])
        self.chat = chat_pb2_grpc.ChatServiceStub(self._channels["content"])
        self.inbox = inbox_pb2_grpc.InboxServiceStub(self._channels["content"])
        self.search = search_pb2_grpc.SearchServiceStub(self._channels["content"])
        self.education = education_pb2_grpc.EducationServiceStub(self._channels["content"])
        self.sites = site_pb2_grpc.SiteServiceStub(self._channels["content"])
        self.apps = app_pb2_grpc.AppServiceStub(self._channels["content"])
        self.service_requests = service_request_pb2_grpc.ServiceRequestServiceStub(self._channels["content"])
        self.knowledge = knowledge_pb2_grpc.KnowledgeServiceStub(self._channels["content"])
        self.media = media_pb2_grpc.MediaServiceStub(self._channels["media"])
        self.calls = call_pb2_grpc.CallServiceStub(self._channels["media"])
        self.channels = channel_pb2_grpc.ChannelServiceStub(self._channels["media"])
        self.sms = sms_pb2_grpc.SmsServiceStub(self._channels["sms"])
        self.geo = geo_pb2_grpc.GeoServiceStub(self._channels["geo"])
        # every service serves PersonDataService (protos/jiceng/privacy/v1): the member's export and deletion
        self.person_data = {
            name: privacy_pb2_grpc.PersonDataServiceStub(ch)
            for name, ch in self._channels.items()
            if name in self.running
        }
        self._health = {
            name: health_pb2_grpc.HealthStub(ch) for name, ch in self._channels.items() if name in self.running
        }

    async def call(self, method, request, token: str | None = None, client_ip: str = "", timeout: float | None = None):
        """Call a service method; its DomainError is raised here again, ready to become JSON."""
        ctx = context.CallContext(self.region, logs.request_id_var.get(), None, token or "", client_ip)
        try:
            return await method(request, metadata=context.outgoing_metadata(ctx), timeout=timeout or self.timeout)
        except grpc.aio.AioRpcError as err:
            raise from_rpc_error(err) from None

    def on_behalf_of(self, client_ip: str) -> CallerServices:
        return CallerServices(self, client_ip)

    async def health(self) -> dict[str, bool]:
        result = {}
        for name, stub in self._health.items():
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1.0)
                result[name] = reply.status == health_pb2.HealthCheckResponse.SERVING
            except grpc.aio.AioRpcError:
                result[name] = False
        return result

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()


class CallerServices:
    """The services as seen by one HTTP request: calls carry the caller's address for the audit log."""

    def __init__(self, services: Services, client_ip: str):
        self._services = services
        self.identity = services.identity
        self.orgs = services.orgs
        self.org_life = services.org_life
        self.transfers = services.transfers
        self.network = services.network
        self.orgs_io = services.orgs_io
        self.forums = services.forums
        self.notices = services.notices
        self.polls = services.polls
        self.microblog = services.microblog
        self.chat = services.chat
        self.inbox = services.inbox
        self.search = services.search
        self.education = services.education
        self.sites = services.sites
        self.apps = services.apps
        self.service_requests = services.service_requests
        self.knowledge = services.knowledge
        self.media = services.media
        self.calls = services.calls
        self.channels = services.channels
        self.sms = services.sms
        self.geo = services.geo
        self.person_data = services.person_data
        self.client_ip = client_ip

    async def call(self, method, request, token: str | None = None, timeout: float | None = None):
        return await self._services.call(method, request, token, self.client_ip, timeout)


def as_json(reply) -> dict:
    """A service's reply as JSON-ready data, with every field present (empty lists and strings too)."""
    return MessageToDict(reply, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


async def call_for(request, who, stub: str, method: str, message) -> dict:
    """Call services.<stub>.<method> on behalf of the HTTP caller (token, address) and return JSON data."""
    services = request.app.state.services.on_behalf_of(client_address(request))
    return as_json(await services.call(getattr(getattr(services, stub), method), message, who.token))
