#!/usr/bin/python3
"""Creates Neutron's database schema in an SQLite file from Neutron's own
models (neutron-db-manage cannot ALTER constraints on SQLite), then turns on
WAL so a VPN service create does not lock the file. Usage: neutron-schema.py DB"""
import sqlite3
import sys

import sqlalchemy
from neutron.db.migration.models import head  # noqa: F401  (registers the models)
from neutron_lib.db import model_base
from neutron_vpnaas.db.models import head as vpn_head  # noqa: F401

path = sys.argv[1]
engine = sqlalchemy.create_engine("sqlite:///" + path)
model_base.BASEV2.metadata.create_all(engine)
engine.dispose()
con = sqlite3.connect(path)
con.execute("PRAGMA journal_mode=WAL")
con.close()
