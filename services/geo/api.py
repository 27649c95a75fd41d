"""The gRPC servicer of geo: messages ↔ calls of consents.py, devices.py, reports.py, checkins.py, live.py,
places.py, distribution.py and export.py."""

from __future__ import annotations

from jiceng.geo.v1 import geo_pb2 as pb
from jiceng.geo.v1 import geo_pb2_grpc
from kernel import messages
from kernel.wire import timestamp
from services.geo import checkins, consents, devices, distribution, export, live, places, reports
from services.geo.domain import datum as datums
from services.geo.domain import geometry

SERVICE = "jiceng.geo.v1.GeoService"
ZH = messages.DEFAULT_LOCALE


def _lnglat(point: tuple[float, float], datum: str = datums.WGS84) -> pb.LngLat:
    lng, lat = _pair(point, datum)
    return pb.LngLat(lng=lng, lat=lat)


def _consent(v: consents.View) -> pb.Consent:
    return pb.Consent(
        purpose=v.purpose,
        text=messages.render(v.text_key, ZH),
        current_version=v.current_version,
        granted=v.granted,
        granted_version=v.granted_version,
        changed_at=timestamp(v.changed_at),
        retention=messages.render(v.retention_key, ZH),
        text_key=v.text_key,
        retention_key=v.retention_key,
    )


def _device(d: devices.Device) -> pb.Device:
    return pb.Device(
        id=d.id,
        name=d.name,
        platform=d.platform,
        registered_at=timestamp(d.registered_at),
        unregistered_at=timestamp(d.unregistered_at),
        active=d.active,
        last_seq=d.last_seq,
    )


def _fence(f: checkins.Geofence, datum: str) -> pb.Geofence:
    shape = f.fence()
    outline = geometry.fence_geojson(shape)  # its coordinates in the datum asked; a circle's radius a property
    if isinstance(shape, geometry.Circle):
        outline["coordinates"], properties = list(_pair(shape.center, datum)), {"radius_m": shape.radius_m}
    else:
        outline["coordinates"], properties = [[list(_pair(p, datum)) for p in outline["coordinates"][0]]], {}
    geojson = {"type": "Feature", "geometry": outline, "properties": properties}
    return pb.Geofence(
        meeting_id=f.meeting_id,
        org_id=f.org_id,
        shape=f.shape,
        center=_lnglat(tuple(f.center), datum) if f.center else None,
        radius_m=f.radius_m,
        ring=[_lnglat((p[0], p[1]), datum) for p in f.ring],
        set_by=f.set_by,
        set_at=timestamp(f.set_at),
        geojson=places.to_json(geojson),
    )


def _pair(point: tuple[float, float], datum: str) -> tuple[float, float]:
    lng, lat = datums.from_wgs84(point, datum)
    return round(lng, 7), round(lat, 7)


def _check_in(c: checkins.CheckIn, datum: str = datums.WGS84) -> pb.GeoCheckIn:
    return pb.GeoCheckIn(
        id=str(c.id),
        meeting_id=c.meeting_id,
        account_id=c.account_id,
        status=c.status,
        flags=list(c.flags),
        at=timestamp(c.at),
        point=_lnglat((c.lng, c.lat), datum) if c.has_point else None,
        has_point=c.has_point,
        accuracy_m=c.accuracy_m or 0.0,
        reviewed_by=c.reviewed_by,
    )


def _points(values) -> list[tuple[float, float]]:
    return [(p.lng, p.lat) for p in values]


class GeoApi(geo_pb2_grpc.GeoServiceServicer):
    def ListConsents(self, request, context_):
        views, history = consents.listing()
        return pb.ListConsentsResponse(
            consents=[_consent(v) for v in views],
            history=[
                pb.ConsentRecord(purpose=r.purpose, action=r.action, version=r.version, at=timestamp(r.at))
                for r in history
            ],
        )

    def GrantConsent(self, request, context_):
        return _consent(consents.grant(request.purpose, request.version))

    def RevokeConsent(self, request, context_):
        return _consent(consents.revoke(request.purpose))

    def RegisterDevice(self, request, context_):
        return _device(devices.register(request.name, request.platform, request.public_key))

    def ListDevices(self, request, context_):
        return pb.ListDevicesResponse(devices=[_device(d) for d in devices.listing()])

    def UnregisterDevice(self, request, context_):
        return _device(devices.unregister(request.device_id))

    def Report(self, request, context_):
        r = reports.report(request.purpose, request.ref, request.report)
        return pb.ReportResult(
            purpose=r.purpose, kept=r.kept, city=r.city, expires_at=timestamp(r.expires_at), flags=r.flags
        )

    def SetGeofence(self, request, context_):
        center = (request.center.lng, request.center.lat) if request.HasField("center") else None
        fence = checkins.set_fence(
            request.meeting_id, request.shape, center, request.radius_m, _points(request.ring), request.datum
        )
        return _fence(fence, datums.check_datum(request.datum))

    def GetGeofence(self, request, context_):
        datum = datums.check_datum(request.datum)
        return _fence(checkins.get_fence(request.meeting_id), datum)

    def CheckIn(self, request, context_):
        return _check_in(checkins.check_in(request.meeting_id, request.report))

    def ListCheckIns(self, request, context_):
        datum = datums.check_datum(request.datum)
        return pb.ListCheckInsResponse(check_ins=[_check_in(c, datum) for c in checkins.listing(request.meeting_id)])

    def ReviewCheckIn(self, request, context_):
        return _check_in(checkins.review(request.check_in_id, request.accept))

    def ListLiveLocations(self, request, context_):
        datum = datums.check_datum(request.datum)
        rows, ends_at = live.listing(request.meeting_id)
        return pb.ListLiveLocationsResponse(
            locations=[
                pb.LiveLocation(
                    account_id=r.account_id,
                    point=_lnglat((r.lng, r.lat), datum),
                    accuracy_m=r.accuracy_m,
                    at=timestamp(r.at),
                )
                for r in rows
            ],
            ends_at=timestamp(ends_at),
        )

    def StopSharing(self, request, context_):
        return pb.StopSharingResponse(stopped=live.stop(request.meeting_id))

    def NearestOrgs(self, request, context_):
        datum = datums.check_datum(request.datum)
        point = geometry.check_point(request.point.lng, request.point.lat, "point")
        found = places.nearest(datums.to_wgs84(point, datum), request.limit, request.radius_m, list(request.types))
        return pb.NearbyOrgs(
            orgs=[
                pb.NearbyOrg(
                    org_id=o.org_id, name=o.name, type=o.type, location=_lnglat(o.point, datum), distance_m=o.distance_m
                )
                for o in found
            ]
        )

    def OrgMap(self, request, context_):
        datum = datums.check_datum(request.datum)
        bbox = geometry.bbox_check(list(request.bbox))
        if bbox is not None and datum != datums.WGS84:  # the box as the map shows it: its corners to WGS-84
            (w, s), (e, n) = datums.to_wgs84((bbox[0], bbox[1]), datum), datums.to_wgs84((bbox[2], bbox[3]), datum)
            bbox = (w, s, e, n)
        found = places.org_map(request.org_id, bbox, datum, request.limit)
        return pb.OrgMapResponse(geojson=places.to_json(found.geojson), count=found.count, truncated=found.truncated)

    def Distribution(self, request, context_):
        d = distribution.distribution(request.org_id, request.by, request.cell_m, request.mobile_only, request.datum)
        return pb.DistributionResponse(
            groups=[
                pb.DistributionGroup(
                    key=g.key,
                    name=g.name,
                    count=g.count,
                    south_west=pb.LngLat(lng=g.south_west[0], lat=g.south_west[1]) if g.south_west else None,
                    north_east=pb.LngLat(lng=g.north_east[0], lat=g.north_east[1]) if g.north_east else None,
                )
                for g in d.groups
            ],
            others=d.others,
            k=d.k,
            total=d.total,
        )

    def ExportMyData(self, request, context_):
        return pb.ExportMyDataResponse(json=export.my_data())
